import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from './CheckpointError.js';

/** What is known about one in-memory snapshot (its tensors stay private). */
export interface MemorySnapshotInfo {
  step: number;
  epoch: number;
  safe: boolean;
  metrics: Record<string, number | null>;
  /** ISO 8601 time it was taken. */
  created: string;
}

/** Options of `MemorySnapshots`. */
export interface MemorySnapshotsOptions {
  /** How many of the newest snapshots to keep (the newest safe one is kept on top). Default 3. */
  keep?: number;
}

interface Snapshot {
  info: MemorySnapshotInfo;
  weights: tf.Tensor[];
}

/**
 * Weight snapshots in memory, for guarded runs without a `runDir`: rollback still works, nothing
 * touches the disk. A snapshot is `w.clone()` of every weight (cheap: a clone shares the data until
 * the optimizer assigns a new value to the variable); the live variables are never disposed.
 * Evicted snapshots are disposed; call `dispose()` when done. Optimizer state is not kept.
 */
export class MemorySnapshots {
  readonly keep: number;
  private snapshots: Snapshot[] = [];

  constructor(options: MemorySnapshotsOptions = {}) {
    const keep = options.keep ?? 3;
    if (!Number.isInteger(keep) || keep < 1) {
      throw new CheckpointError('INVALID_ARGUMENT', `Expected \`keep\` to be an integer >= 1, got \`${String(keep)}\` (${typeof keep})`);
    }
    this.keep = keep;
  }

  /** Number of snapshots held. */
  get size(): number {
    return this.snapshots.length;
  }

  /** Snapshots the model's current weights; evicts (and disposes) beyond `keep` + the newest safe one. */
  take(model: tf.LayersModel, meta: { step: number; epoch: number; safe: boolean; metrics: Record<string, number | null> }): MemorySnapshotInfo {
    return this.adopt(
      model.getWeights().map((w) => w.clone()),
      meta,
    );
  }

  /**
   * Keeps weight copies taken earlier (e.g. at a check whose verdict came later) as a snapshot;
   * takes ownership of the tensors (disposed on eviction).
   */
  adopt(weights: tf.Tensor[], meta: { step: number; epoch: number; safe: boolean; metrics: Record<string, number | null> }): MemorySnapshotInfo {
    const info: MemorySnapshotInfo = { step: meta.step, epoch: meta.epoch, safe: meta.safe, metrics: { ...meta.metrics }, created: new Date().toISOString() };
    this.snapshots.push({ info, weights });
    const lastSafe = this.newest(true);
    const kept = this.snapshots.filter((s, i) => i >= this.snapshots.length - this.keep || s === lastSafe);
    for (const s of this.snapshots) if (!kept.includes(s)) tf.dispose(s.weights);
    this.snapshots = kept;
    return info;
  }

  /** The newest snapshot marked safe, or null. */
  lastSafe(): MemorySnapshotInfo | null {
    return this.newest(true)?.info ?? null;
  }

  /** The newest snapshot, or null. */
  latest(): MemorySnapshotInfo | null {
    return this.newest(false)?.info ?? null;
  }

  /** Every snapshot held, oldest first. */
  list(): MemorySnapshotInfo[] {
    return this.snapshots.map((s) => s.info);
  }

  /** Sets a snapshot's weights into the live model (same count and shapes); the snapshot stays available. */
  restoreInto(model: tf.LayersModel, which: 'last-safe' | 'latest'): MemorySnapshotInfo {
    if (which !== 'last-safe' && which !== 'latest') {
      throw new CheckpointError('INVALID_ARGUMENT', `Expected \`which\` to be 'last-safe' or 'latest', got \`${String(which)}\``);
    }
    const snap = this.newest(which === 'last-safe');
    if (!snap) {
      throw new CheckpointError(
        which === 'last-safe' ? 'NO_SAFE' : 'NO_CHECKPOINTS',
        `No ${which === 'last-safe' ? 'safe ' : ''}in-memory snapshot to restore (${this.snapshots.length} held)`,
      );
    }
    const live = model.weights;
    const mismatch = live.length !== snap.weights.length || live.some((w, i) => !tf.util.arraysEqual(w.shape as number[], snap.weights[i]!.shape));
    if (mismatch) {
      throw new CheckpointError(
        'SHAPE_MISMATCH',
        `Snapshot of step ${snap.info.step} has ${snap.weights.length} weights of other shapes than model \`${model.name}\` (${live.length}); restore into the model it was taken from`,
      );
    }
    model.setWeights(snap.weights);
    return snap.info;
  }

  /** Disposes every snapshot's tensors. */
  dispose(): void {
    for (const s of this.snapshots) tf.dispose(s.weights);
    this.snapshots = [];
  }

  private newest(safeOnly: boolean): Snapshot | undefined {
    for (let i = this.snapshots.length - 1; i >= 0; i--) {
      const s = this.snapshots[i]!;
      if (!safeOnly || s.info.safe) return s;
    }
    return undefined;
  }
}
