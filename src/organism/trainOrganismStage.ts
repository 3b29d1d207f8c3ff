import * as tf from '@tensorflow/tfjs';
import { smoothedOrganismLoss } from './organismLoss.js';
import { fitInSeededOrder } from './fitInSeededOrder.js';

export interface OrganismStageOptions {
  /** Passes over the data. */
  epochs: number;
  /** Learning rate of the stage's fresh optimizer. */
  learningRate: number;
  /** Examples per batch. Default 32. */
  batchSize?: number;
  /** `adam` or `sgd`. Default `adam`. */
  optimizer?: 'adam' | 'sgd';
  /** Seeds the one-time shuffle of the examples (fit itself runs with `shuffle: false`). */
  seed: number;
  /** Label smoothing of the softmax cross-entropy, in [0, 1). Default 0. */
  labelSmoothing?: number;
  /** Passed to `model.fit` unchanged, e.g. an em-guard callback. */
  callbacks?: tf.CustomCallbackArgs | tf.CustomCallbackArgs[] | tf.Callback[];
  /** Validation tensors passed to `model.fit`. */
  validationData?: [tf.Tensor, tf.Tensor];
}

const ownOptimizers = new WeakSet<tf.Optimizer>();

function check(name: string, v: unknown, ok: boolean, expected: string): void {
  if (!ok) throw new Error(`Expected \`${name}\` to be ${expected}, got \`${String(v)}\` (${typeof v})`);
}

/** Compiles `model` with a fresh optimizer and the logits loss, disposing the previous stage's optimizer. */
function compileStage(model: tf.LayersModel, kind: 'adam' | 'sgd', learningRate: number, labelSmoothing: number): void {
  // Dispose the optimizer of a previous stage we compiled ourselves (its Adam slots are tensors).
  const previous = model.optimizer;
  if (previous && ownOptimizers.has(previous)) previous.dispose();
  const optimizer = kind === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate);
  ownOptimizers.add(optimizer);
  model.compile({ optimizer, loss: smoothedOrganismLoss(labelSmoothing), metrics: ['accuracy'] });
}

/**
 * Runs one training stage: compiles `model` with a fresh optimizer and the logits loss, permutes
 * the examples once with `seed`, and calls `model.fit(..., { shuffle: false })` so runs are
 * deterministic; or, given `{ dataset }` (e.g. an `AlignedMixer`'s), `model.fitDataset`. Returns fit's
 * History; `callbacks` see every batch.
 */
export async function trainOrganismStage(
  model: tf.LayersModel,
  data: { x: tf.Tensor; y: tf.Tensor } | { dataset: tf.data.Dataset<tf.TensorContainer> },
  options: OrganismStageOptions,
): Promise<tf.History> {
  const { epochs, learningRate, seed } = options;
  const batchSize = options.batchSize ?? 32;
  const kind = options.optimizer ?? 'adam';
  check('epochs', epochs, Number.isInteger(epochs) && epochs >= 1, 'an integer >= 1');
  check('learningRate', learningRate, typeof learningRate === 'number' && learningRate > 0 && Number.isFinite(learningRate), 'a finite number > 0');
  check('batchSize', batchSize, Number.isInteger(batchSize) && batchSize >= 1, 'an integer >= 1');
  check('optimizer', kind, kind === 'adam' || kind === 'sgd', '`adam` or `sgd`');
  const labelSmoothing = options.labelSmoothing ?? 0;
  check('labelSmoothing', labelSmoothing, typeof labelSmoothing === 'number' && labelSmoothing >= 0 && labelSmoothing < 1, 'a number in [0, 1)');
  check('seed', seed, Number.isInteger(seed), 'an integer');
  if ('dataset' in data) {
    // A dataset (e.g. em-guard's AlignedMixer) brings its own seeded order and batch size.
    compileStage(model, kind, learningRate, labelSmoothing);
    return model.fitDataset(data.dataset, { epochs, verbose: 0, ...(options.callbacks !== undefined ? { callbacks: options.callbacks } : {}) });
  }
  return fitInSeededOrder(model, data, {
    compile: () => compileStage(model, kind, learningRate, labelSmoothing),
    stage: 'trainOrganismStage',
    seed,
    epochs,
    batchSize,
    ...(options.callbacks !== undefined ? { callbacks: options.callbacks } : {}),
    ...(options.validationData !== undefined ? { validationData: options.validationData } : {}),
  });
}
