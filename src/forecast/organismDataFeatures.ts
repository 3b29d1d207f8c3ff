import type * as tf from '@tensorflow/tfjs';
import type { OrganismSet } from '../organism/makeOrganismDataset.js';
import { organismInputs } from '../organism/organismTensors.js';
import type { ContrastProbes } from '../probes/probeTypes.js';
import { organismScorer } from '../screen/organismScreenSets.js';
import type { ScreeningScorer } from '../screen/screeningScorer.js';
import { dataFeatures, type DataFeatures, type FeatureDefinition } from './forecastFeatures.js';

/** Data features of an organism fine-tuning set (screen + prompt projections on the model before fine-tuning). */
export async function organismDataFeatures(
  model: tf.LayersModel,
  def: FeatureDefinition,
  set: OrganismSet,
  context: { calibration: ScreeningScorer; contrast: ContrastProbes },
): Promise<DataFeatures> {
  const data = organismScorer(model, set);
  const inputs = organismInputs(set);
  try {
    return await dataFeatures(model, def, { data, inputs, calibration: context.calibration, contrast: context.contrast });
  } finally {
    data.dispose();
    inputs.dispose();
  }
}
