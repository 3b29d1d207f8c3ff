import type * as tf from '@tensorflow/tfjs';
import { contrastDirection } from '../metrics/contrastDirection.js';
import { ProbeCapture } from '../probes/ProbeCapture.js';
import type { ContrastProbes, Pooling } from '../probes/probeTypes.js';

/** The misalignment direction of one layer: u = mean(misaligned) − mean(aligned) contrast activations. */
export interface MisalignmentDirection {
  layer: string;
  /** u, float64, width of the layer. */
  direction: Float64Array;
  /** ‖u‖: the contrast gap; 0 means the contrast probes do not separate at this layer. */
  norm: number;
}

/**
 * Per layer, the direction the guard's `alignment.projection` uses: the mean contrast activation of
 * the misaligned prompts minus that of the aligned prompts, on the model as it is now (before
 * fine-tuning), captured the way the guard captures (`ProbeCapture`, `last` pooling by default).
 */
export async function misalignmentDirections(
  model: tf.LayersModel,
  layers: readonly string[],
  contrast: ContrastProbes,
  options: { pooling?: Pooling } = {},
): Promise<MisalignmentDirection[]> {
  const capture = new ProbeCapture(model, layers, { pooling: options.pooling ?? 'last' });
  const aligned = await capture.capture(contrast.aligned);
  const misaligned = await capture.capture(contrast.misaligned);
  return layers.map((layer) => {
    const { direction, norm2 } = contrastDirection(aligned.get(layer)!, misaligned.get(layer)!);
    return { layer, direction, norm: Math.sqrt(norm2) };
  });
}
