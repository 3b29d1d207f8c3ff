import * as tf from '@tensorflow/tfjs';
import type { CapturedModelState, CheckpointSaveMeta, CheckpointStore } from './CheckpointStore.js';
import type { MemorySnapshots } from './MemorySnapshots.js';
import { ModelLayoutCache, planPackedState, type KeptBytesWriter, type KeptWeightBytes, type PackedWeightBytes } from './packedModelState.js';

/** What is recorded with a kept checkpoint (optimizer state is the target's own choice). */
export type CheckpointTargetMeta = Omit<CheckpointSaveMeta, 'includeOptimizer'>;

/**
 * Where a guarded run keeps its checkpoints: on disk (`CheckpointStore`) or in memory
 * (`MemorySnapshots`, `runDir: false`). One interface, so the guard never asks which.
 * A copy is taken at the step it describes and kept (or discarded) once its verdict is known.
 */
export interface CheckpointTarget {
  /** Copies the model's weights (and optimizer state where kept) now. */
  copy(model: tf.LayersModel): Promise<WeightsCopy>;
  /**
   * The same copy with its bytes packed elsewhere (the capture worker, from the weights it is
   * sent anyway): null where this target cannot take one (memory). See `PackedCopy`.
   */
  packedCopy(model: tf.LayersModel): Promise<PackedCopy | null>;
  /** Frees a copy that is not kept. */
  discard(copy: WeightsCopy): void;
  /** Keeps a copy as a checkpoint: its id at once (memory), or once durable (disk). Takes ownership. */
  keep(copy: WeightsCopy, meta: CheckpointTargetMeta): string | Promise<string>;
  /** Restores the newest safe checkpoint into the model. */
  restoreLastSafe(model: tf.LayersModel): Promise<{ id: string; step: number }>;
  dispose(): void;
}

/** A copy whose bytes are packed after the model's weights and `extra` were read (`planPackedState`). */
export interface PackedCopy {
  readonly extra: readonly tf.Tensor[];
  finish(packed: PackedWeightBytes): WeightsCopy;
  /** The copy whose bytes stay with the thread that packed them, written there (`PackedStatePlan.finishRemote`). */
  finishRemote(kept: KeptWeightBytes, writer: KeptBytesWriter): WeightsCopy;
  dispose(): void;
}

/** A copy of a model's state, opaque outside its target. */
export type WeightsCopy = { kind: 'store'; state: CapturedModelState } | { kind: 'memory'; weights: tf.Tensor[] };

/** Checkpoints on disk under `<runDir>/checkpoints`, written in the background. */
export function diskCheckpointTarget(store: CheckpointStore, saveOptimizer: boolean): CheckpointTarget {
  // One target per fit: the model's topology is built once for its checkpoints.
  const layouts = new ModelLayoutCache();
  return {
    copy: async (model) => ({ kind: 'store', state: await store.captureState(model, saveOptimizer) }),
    async packedCopy(model) {
      const plan = await planPackedState(model, saveOptimizer, layouts);
      return {
        extra: plan.extra,
        finish: (packed) => ({ kind: 'store', state: plan.finish(packed) }),
        finishRemote: (kept, writer) => ({ kind: 'store', state: plan.finishRemote(kept, writer) }),
        dispose: () => plan.dispose(),
      };
    },
    discard(copy) {
      if (copy.kind === 'store') copy.state.remote?.drop();
    },
    keep(copy, meta) {
      if (copy.kind !== 'store') throw new Error('internal: a memory copy given to the disk checkpoint target');
      return store.saveCaptured(copy.state, { ...meta, includeOptimizer: copy.state.optimizer !== null }).written.then((m) => m.id);
    },
    async restoreLastSafe(model) {
      const m = await store.restoreInto(model, 'last-safe', { restoreOptimizer: saveOptimizer, fallback: true });
      return { id: m.id, step: m.step };
    },
    dispose: () => undefined,
  };
}

/** Checkpoints as weight clones in memory (`memory:<step>`); no optimizer state. */
export function memoryCheckpointTarget(memory: MemorySnapshots): CheckpointTarget {
  return {
    copy: async (model) => ({ kind: 'memory', weights: model.getWeights().map((w) => w.clone()) }),
    packedCopy: async () => null,
    discard(copy) {
      if (copy.kind === 'memory') tf.dispose(copy.weights);
    },
    keep(copy, meta) {
      if (copy.kind !== 'memory') throw new Error('internal: a disk copy given to the memory checkpoint target');
      memory.adopt(copy.weights, meta);
      return `memory:${meta.step}`;
    },
    async restoreLastSafe(model) {
      const snap = memory.restoreInto(model, 'last-safe');
      return { id: `memory:${snap.step}`, step: snap.step };
    },
    dispose: () => memory.dispose(),
  };
}
