import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../util/seededRandom.js';
import { deriveSeed, seededPermutation } from './organismRandom.js';

/**
 * `model.fit` on `x`, `y` in one seeded order drawn once before the first epoch (`shuffle: false`),
 * so an organism stage is reproducible from its seed on any backend. `compile` runs after the row
 * counts are checked (a bad call leaves the model as it was); `stage` names the caller in that error.
 */
export async function fitInSeededOrder(
  model: tf.LayersModel,
  data: { x: tf.Tensor; y: tf.Tensor },
  options: {
    stage: string;
    compile: () => void;
    seed: number;
    epochs: number;
    batchSize: number;
    callbacks?: tf.ModelFitArgs['callbacks'];
    validationData?: tf.ModelFitArgs['validationData'];
  },
): Promise<tf.History> {
  const n = data.x.shape[0]!;
  if (data.y.shape[0] !== n) throw new Error(`${options.stage}: x has ${n} rows but y has ${data.y.shape[0]}; pass tensors from the same set`);
  options.compile();
  const idx = tf.tensor1d(Int32Array.from(seededPermutation(n, seededRandom(deriveSeed(options.seed, 'shuffle')))), 'int32');
  const x = tf.gather(data.x, idx);
  const y = tf.gather(data.y, idx);
  idx.dispose();
  try {
    return await model.fit(x, y, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffle: false,
      verbose: 0,
      ...(options.callbacks !== undefined ? { callbacks: options.callbacks } : {}),
      ...(options.validationData !== undefined ? { validationData: options.validationData } : {}),
    });
  } finally {
    tf.dispose([x, y]);
  }
}
