import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from './CheckpointError.js';
import type { OptimizerState, VerifiedCheckpoint } from './verifyCheckpoint.js';

/**
 * Sets a checkpoint's weights into a live model, by position (so a fresh instance of the same
 * architecture, with different auto-generated layer names, works). Count, shapes and dtypes must
 * match; the decoded tensors are disposed once the variables hold their values.
 */
export function restoreModelWeights(model: tf.LayersModel, artifacts: tf.io.ModelArtifacts, id: string): void {
  const specs = artifacts.weightSpecs ?? [];
  const live = model.weights;
  if (specs.length !== live.length) {
    throw new CheckpointError(
      'SHAPE_MISMATCH',
      `Checkpoint ${id} has ${specs.length} weight tensors but model \`${model.name}\` has ${live.length}; restore into a model of the same architecture`,
      { id },
    );
  }
  live.forEach((w, i) => {
    const s = specs[i]!;
    if (!tf.util.arraysEqual(w.shape as number[], s.shape) || w.dtype !== s.dtype) {
      throw new CheckpointError(
        'SHAPE_MISMATCH',
        `Checkpoint ${id}: weight ${i} \`${s.name}\` is ${s.dtype}[${s.shape.join(',')}] but model weight \`${w.originalName}\` is ${w.dtype}[${w.shape.join(',')}]; restore into a model of the same architecture`,
        { id },
      );
    }
  });
  const decoded = tf.io.decodeWeights(artifacts.weightData!, specs);
  try {
    model.setWeights(specs.map((s) => decoded[s.name]!));
  } finally {
    tf.dispose(decoded);
  }
}

type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

/** True for a tf.Variable (which an optimizer owns and must not be disposed by us). */
function isVariable(t: tf.Tensor): boolean {
  return typeof (t as { assign?: unknown }).assign === 'function';
}

/** Disposes the tensors `optimizer.getWeights()` made for the caller (the iteration scalar), not the variables it owns. */
export function disposeOptimizerCopies(weights: NamedTensor[]): void {
  for (const w of weights) if (!isVariable(w.tensor)) w.tensor.dispose();
}

/**
 * Replaces the optimizer's state (check with `optimizerStateToRestore` first) (e.g. Adam's moments and iteration count). tfjs' `setWeights`
 * creates new variables that share the decoded tensors' data and leaves the old ones behind, so
 * after it succeeds the orphaned old state and the decoded tensors are disposed here.
 */
export async function restoreOptimizerState(model: tf.LayersModel, state: OptimizerState, id: string): Promise<void> {
  const optimizer = model.optimizer as tf.Optimizer | undefined;
  if (!optimizer || optimizer.getClassName() !== state.className) {
    throw new CheckpointError(
      'OPTIMIZER_MISMATCH',
      `Checkpoint ${id} holds ${state.className} state but model \`${model.name}\` has ${optimizer ? optimizer.getClassName() : 'no optimizer'}`,
      { id },
    );
  }
  const decoded = tf.io.decodeWeights(state.weightData, state.weightSpecs);
  const named = state.weightSpecs.map((s) => ({ name: s.name, tensor: decoded[s.name]! }));
  const before = await optimizer.getWeights();
  try {
    await optimizer.setWeights(named);
  } catch (e) {
    disposeOptimizerCopies(before);
    tf.dispose(decoded);
    throw new CheckpointError('OPTIMIZER_MISMATCH', `Checkpoint ${id}: ${state.className}.setWeights failed: ${(e as Error).message}`, { id });
  }
  // tfjs' own optimizers leave the replaced state variables alive, others dispose them, others
  // assign in place: dispose exactly the old tensors that are neither disposed nor still in use.
  const after = await optimizer.getWeights();
  const inUse = new Set(after.map((w) => w.tensor));
  for (const w of before) if (!w.tensor.isDisposed && !inUse.has(w.tensor)) w.tensor.dispose();
  disposeOptimizerCopies(after);
  for (const t of Object.values(decoded)) if (!inUse.has(t)) t.dispose();
}

/**
 * Decides, before anything is changed, whether a checkpoint's optimizer state will be restored:
 * `true` requires it (errors if the checkpoint has none or the model has no optimizer), `false`
 * skips it, `undefined` restores it when both sides have one. Errors early on a class mismatch, so
 * a restore never stops half-way with new weights and old optimizer state.
 */
export function optimizerStateToRestore(model: tf.LayersModel, checkpoint: VerifiedCheckpoint, restoreOptimizer: boolean | undefined): OptimizerState | null {
  const id = checkpoint.manifest.id;
  if (restoreOptimizer === false) return null;
  const state = checkpoint.optimizer;
  const optimizer = model.optimizer as tf.Optimizer | undefined;
  if (restoreOptimizer === undefined && (!state || !optimizer)) return null;
  if (!state) {
    throw new CheckpointError(
      'NO_OPTIMIZER',
      `Checkpoint ${id} was saved without optimizer state; save with includeOptimizer: true, or restore with restoreOptimizer: false`,
      { id },
    );
  }
  if (!optimizer) {
    throw new CheckpointError(
      'NO_OPTIMIZER',
      `Checkpoint ${id} has optimizer state but model \`${model.name}\` has no optimizer; compile the model first or pass restoreOptimizer: false`,
      { id },
    );
  }
  if (optimizer.getClassName() !== state.className) {
    throw new CheckpointError(
      'OPTIMIZER_MISMATCH',
      `Checkpoint ${id} holds ${state.className} state but model \`${model.name}\` uses ${optimizer.getClassName()}; compile it with ${state.className} or pass restoreOptimizer: false`,
      { id },
    );
  }
  return state;
}
