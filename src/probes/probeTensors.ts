import type * as tf from '@tensorflow/tfjs';
import type { ProbeInputs } from './probeTypes.js';

/** The tensors of a probe set, one per model input (a single Tensor becomes a list of one). */
export function probeTensors(inputs: ProbeInputs): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}
