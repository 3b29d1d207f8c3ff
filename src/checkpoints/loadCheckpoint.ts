import * as tf from '@tensorflow/tfjs';
import type { CheckpointError } from './CheckpointError.js';
import type { CheckpointManifest, CheckpointSelector } from './CheckpointManifest.js';
import { resolveCheckpoint } from './resolveCheckpoint.js';
import { optimizerStateToRestore, restoreOptimizerState } from './restoreWeights.js';

/** Options of `loadCheckpoint`. */
export interface LoadCheckpointOptions {
  /** When the selected checkpoint is damaged, try the previous candidate instead of failing. Default false. */
  fallback?: boolean;
  /**
   * Restore optimizer state too. Default: when the checkpoint has it and its `model.json` carries a
   * training config (so the loaded model comes back compiled).
   */
  restoreOptimizer?: boolean;
}

/** A model loaded from a verified checkpoint. */
export interface LoadedCheckpoint {
  model: tf.LayersModel;
  manifest: CheckpointManifest;
  /** The checkpoint directory. */
  path: string;
  /** Damaged checkpoints skipped by `fallback` (empty without it). */
  skipped: CheckpointError[];
}

/**
 * Loads a checkpoint of `runDir` as a new model, without tfjs-node: every file is checked against
 * its recorded sha256 first, and a damaged checkpoint is refused with a CheckpointError naming the
 * file (or skipped for the previous one with `fallback: true`).
 */
export async function loadCheckpoint(runDir: string, selector: CheckpointSelector, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const { checkpoint, skipped } = resolveCheckpoint(runDir, selector, options);
  const model = await tf.loadLayersModel({ load: async () => checkpoint.artifacts });
  try {
    const state = optimizerStateToRestore(model, checkpoint, options.restoreOptimizer);
    if (state) await restoreOptimizerState(model, state, checkpoint.manifest.id);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, manifest: checkpoint.manifest, path: checkpoint.dir, skipped };
}
