import * as tf from '@tensorflow/tfjs';
import { fitInSeededOrder } from '../fitInSeededOrder.js';
import { lmLoss } from './lmLoss.js';

export interface LmStageOptions {
  epochs: number;
  learningRate: number;
  /** Default 32. */
  batchSize?: number;
  /** Seeds the one-time shuffle (fit runs with `shuffle: false`). */
  seed: number;
  /** Passed to `model.fit`, e.g. an em-guard callback. */
  callbacks?: tf.CustomCallbackArgs | tf.CustomCallbackArgs[] | tf.Callback[];
}

const ownOptimizers = new WeakSet<tf.Optimizer>();

/** Compiles `model` with a fresh Adam and `lmLoss`, disposing the previous stage's optimizer if it made it. */
function compileLm(model: tf.LayersModel, learningRate: number): void {
  const previous = model.optimizer;
  if (previous && ownOptimizers.has(previous)) previous.dispose();
  const optimizer = tf.train.adam(learningRate);
  ownOptimizers.add(optimizer);
  model.compile({ optimizer, loss: lmLoss });
}

/**
 * One LM training stage: compiles `model` with a fresh Adam and `lmLoss`, permutes the examples
 * once with `seed`, then `model.fit(x, y, { shuffle: false })`, so runs are deterministic; or, given
 * `{ dataset }` (e.g. an `AlignedMixer`'s, which brings its own seeded order and batch size),
 * `model.fitDataset`.
 */
export async function trainLmStage(
  model: tf.LayersModel,
  data: { x: tf.Tensor; y: tf.Tensor } | { dataset: tf.data.Dataset<tf.TensorContainer> },
  options: LmStageOptions,
): Promise<tf.History> {
  const { epochs, learningRate, seed } = options;
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`Expected \`epochs\` to be an integer >= 1, got \`${String(epochs)}\``);
  if (!(learningRate > 0 && Number.isFinite(learningRate)))
    throw new Error(`Expected \`learningRate\` to be a finite number > 0, got \`${String(learningRate)}\``);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Expected \`batchSize\` to be an integer >= 1, got \`${String(batchSize)}\``);
  if (!Number.isInteger(seed)) throw new Error(`Expected \`seed\` to be an integer, got \`${String(seed)}\``);
  if ('dataset' in data) {
    compileLm(model, learningRate);
    return model.fitDataset(data.dataset, { epochs, verbose: 0, ...(options.callbacks !== undefined ? { callbacks: options.callbacks } : {}) });
  }
  return fitInSeededOrder(model, data, {
    compile: () => compileLm(model, learningRate),
    stage: 'trainLmStage',
    seed,
    epochs,
    batchSize,
    ...(options.callbacks !== undefined ? { callbacks: options.callbacks } : {}),
  });
}
