import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from './CheckpointError.js';
import { disposeOptimizerCopies } from './restoreWeights.js';

/**
 * The model's artifacts from `model.save(tf.io.withSaveHandler(...))`: the same bytes any tfjs
 * IOHandler would receive, with no second serialisation path.
 */
export async function captureArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured) throw new Error('model.save did not call the save handler');
  return captured;
}

/**
 * The model's training config (loss, metrics, optimizer) as tfjs writes it with
 * `includeOptimizer`, so `tf.loadLayersModel` compiles the loaded model; `undefined` when the loss
 * or a metric is a function, which tfjs cannot serialise.
 */
export function trainingConfigOf(model: tf.LayersModel): tf.io.TrainingConfig | undefined {
  try {
    return (model as unknown as { getTrainingConfig(): tf.io.TrainingConfig }).getTrainingConfig();
  } catch {
    return undefined;
  }
}

/** The model's optimizer, whose state a checkpoint with `includeOptimizer` saves; NO_OPTIMIZER when it has none. */
export function optimizerToSave(model: tf.LayersModel): tf.Optimizer {
  const optimizer = model.optimizer as tf.Optimizer | undefined;
  if (!optimizer) {
    throw new CheckpointError(
      'NO_OPTIMIZER',
      `Cannot save optimizer state: model \`${model.name}\` has no optimizer (compile it first, or save with includeOptimizer: false)`,
    );
  }
  return optimizer;
}

/** Optimizer state encoded like tfjs weights: `optimizer.json` content + `optimizer.bin` bytes. */
export async function captureOptimizerState(model: tf.LayersModel): Promise<{ json: string; data: Uint8Array }> {
  const optimizer = optimizerToSave(model);
  const weights = await optimizer.getWeights();
  try {
    const { data, specs } = await tf.io.encodeWeights(weights);
    const json = JSON.stringify({ className: optimizer.getClassName(), config: optimizer.getConfig(), weightSpecs: specs });
    return { json, data: new Uint8Array(data as ArrayBuffer) };
  } finally {
    disposeOptimizerCopies(weights);
  }
}
