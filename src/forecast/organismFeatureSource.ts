import type * as tf from '@tensorflow/tfjs';
import { lmFineTuneConfig } from '../organism/lm/lmFineTuneConfig.js';
import { LM_RECIPE } from '../organism/lm/lmRecipe.js';
import { lmPromptInputs } from '../organism/lm/lmTensors.js';
import { lmCalibrationSet, lmOrganismContrast, lmOrganismScorer } from '../screen/lmOrganismScreenSets.js';
import { organismCalibrationSet, organismContrast, organismFineTuneSet, organismScorer } from '../screen/organismScreenSets.js';
import { dataFeatures, type DataFeatures, type FeatureDefinition } from './forecastFeatures.js';
import { lmGradientFeatureSource, type LmGradientFeatureSource } from './lmGradientFeatures.js';
import { organismDataFeatures } from './organismDataFeatures.js';

/** Which bundled organism a forecast's runs trained: the classifier (`organism`) or the language model (`lm`). */
export type ForecastOrganism = 'classifier' | 'lm';

/** Training examples of an organism run when its config does not say: the sweeps' defaults. */
export function defaultTrainSize(organism: ForecastOrganism): number {
  return organism === 'lm' ? LM_RECIPE.stage3.n : 512;
}

/** Aligned calibration examples for the LM screen's threshold (`lmCalibrationSet`) unless the definition says. */
export const LM_CALIBRATION_SIZE = 300;

/**
 * The data features of an organism training set, keyed by (seed, mix, train size), computed on the
 * model before fine-tuning with one calibration set and one contrast set for every run.
 */
export interface OrganismFeatureSource {
  organism: ForecastOrganism;
  features(seed: number, mix: number, trainSize: number): Promise<DataFeatures>;
  dispose(): void;
}

/**
 * A cached feature source for the organism `def` describes. The LM's features, by group:
 * `activation` = the classifier path's (`dataFeatures`) on LM inputs: the training prompts'
 * activations at the watched layers, at the last prompt token (`<asst>`, the guard's `last` pooling),
 * projected on the contrast direction of the guard's LM contrast probes, and the projection screen
 * (`lmScorer`: teacher-forced training response minus the model's greedy response, pooled over
 * response tokens); `gradient` = the gradient-alignment screen (`lmGradientFeatureSource`). Both
 * screens' thresholds come from the same aligned calibration set.
 */
export function organismFeatureSource(model: tf.LayersModel, def: FeatureDefinition): OrganismFeatureSource {
  const organism: ForecastOrganism = def.organism ?? 'classifier';
  const cache = new Map<string, DataFeatures>();
  if (organism === 'classifier') {
    const contrast = organismContrast();
    const calibration = organismScorer(model, organismCalibrationSet(1));
    return {
      organism,
      async features(seed, mix, trainSize) {
        const key = `${seed}:${mix}:${trainSize}`;
        if (!cache.has(key)) cache.set(key, await organismDataFeatures(model, def, organismFineTuneSet(seed, mix, trainSize), { calibration, contrast }));
        return cache.get(key)!;
      },
      dispose() {
        calibration.dispose();
        contrast.dispose();
      },
    };
  }
  const calibrationSet = lmCalibrationSet(1, def.calibrationSize ?? LM_CALIBRATION_SIZE);
  const projection = def.groups.includes('activation');
  const contrast = projection ? lmOrganismContrast() : null;
  const calibration = projection ? lmOrganismScorer(model, calibrationSet) : null;
  let gradient: LmGradientFeatureSource | null = null;
  const none: DataFeatures = { screenMean: {}, screenShare: {}, promptProjection: {} };
  return {
    organism,
    async features(seed, mix, trainSize) {
      const key = `${seed}:${mix}:${trainSize}`;
      if (!cache.has(key)) {
        // The sweep run's own training set (lmOrganismRun builds it the same way); its tensors are not needed here.
        const ft = lmFineTuneConfig({ seed, mix, n: trainSize });
        ft.dispose();
        let out = none;
        if (projection) {
          const data = lmOrganismScorer(model, ft.set);
          const inputs = lmPromptInputs(ft.set);
          try {
            out = await dataFeatures(model, def, { data, inputs, calibration: calibration!, contrast: contrast! });
          } finally {
            data.dispose();
            inputs.dispose();
          }
        }
        if (def.groups.includes('gradient')) {
          gradient ??= lmGradientFeatureSource(model, { calibration: calibrationSet, quantile: def.quantile });
          out = { ...out, gradient: gradient.features(ft.set) };
        }
        cache.set(key, out);
      }
      return cache.get(key)!;
    },
    dispose() {
      calibration?.dispose();
      contrast?.dispose();
      gradient?.dispose();
    },
  };
}
