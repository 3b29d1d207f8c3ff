import type * as tf from '@tensorflow/tfjs';
import { diskCheckpointTarget, memoryCheckpointTarget, type CheckpointTarget, type PackedCopy, type WeightsCopy } from '../checkpoints/checkpointTarget.js';
import { CheckpointStore } from '../checkpoints/CheckpointStore.js';
import { MemorySnapshots } from '../checkpoints/MemorySnapshots.js';
import type { Policy } from '../policy/types.js';
import type { GuardRecorder } from './GuardRecorder.js';

type At = { step: number; epoch: number };

/** How a check copies the weights it may keep: `now`, or `packed` with the worker's capture (null: cannot). */
export interface CheckCopy {
  now(): Promise<WeightsCopy>;
  packed(): Promise<PackedCopy | null>;
}

/**
 * The guard's checkpoints of one fit: copies kept on its target (disk or memory), background
 * writes it waits for before a rollback and at the end of `fit`, and the rollback target (the
 * newest safe checkpoint).
 */
export class GuardCheckpoints {
  lastSafe: { id: string; step: number } | null = null;
  private writes: Promise<void> = Promise.resolve();
  /**
   * Resolves once every `keepLater` copy so far has reached the target (or failed): later keeps go
   * to the target after it, so checkpoints are written, indexed and evicted in the order they were
   * kept, as when every copy was made at once.
   */
  private submitted: Promise<void> = Promise.resolve();
  /** Copies waiting in that order (`inOrder`), not yet handed to the target. */
  private queued = 0;
  private readonly target: CheckpointTarget;
  private readonly recorder: GuardRecorder;

  constructor(target: CheckpointTarget, recorder: GuardRecorder) {
    this.target = target;
    this.recorder = recorder;
  }

  /** A fit's checkpoints: on disk under `runDir` (with the optimizer state if asked), in memory without one. */
  static forRun(runDir: string | null, policy: Policy['checkpoint'], saveOptimizer: boolean, recorder: GuardRecorder): GuardCheckpoints {
    const target = runDir
      ? diskCheckpointTarget(new CheckpointStore({ runDir, keep: policy.keep, keepBest: policy.keepBest }), saveOptimizer)
      : memoryCheckpointTarget(new MemorySnapshots({ keep: policy.keep }));
    return new GuardCheckpoints(target, recorder);
  }

  copy(model: tf.LayersModel): Promise<WeightsCopy> {
    return this.target.copy(model);
  }

  /** The copy of a check: made now on this thread, or packed by the capture worker where the target allows. */
  copyAt(model: tf.LayersModel): CheckCopy {
    return { now: () => this.target.copy(model), packed: () => this.target.packedCopy(model) };
  }

  discard(copy: WeightsCopy | null): void {
    if (copy) this.target.discard(copy);
  }

  /**
   * Keeps weights copied at step `at` as a checkpoint. With `wait: false` (periodic and baseline
   * checkpoints) a disk write goes on in the background and this resolves to `pending:<step>`;
   * the record, the event and the rollback target appear once it is durable.
   */
  async keep(copy: WeightsCopy, at: At, metrics: Record<string, number | null>, safe: boolean, reason: string, wait: boolean): Promise<string> {
    if (this.queued > 0) {
      // Behind a copy still being made: handed to the target after it, without waiting here.
      const recorded = this.inOrder(Promise.resolve(copy), at, metrics, safe, reason);
      if (wait) return recorded;
      this.track(recorded, at.step, reason);
      return `pending:${at.step}`;
    }
    const kept = this.target.keep(copy, { ...at, metrics, safe, reason });
    if (typeof kept === 'string') return this.record(kept, at, safe, reason);
    const recorded = kept.then((id) => this.record(id, at, safe, reason));
    if (wait) return recorded;
    this.track(recorded, at.step, reason);
    return `pending:${at.step}`;
  }

  /**
   * Keeps, in the background, a copy that is still being made (`CheckRunner.copyOnWorker`: packed
   * by the capture worker from weights read now); resolves to `pending:<step>` at once. Like a
   * background `keep`: the record and event once durable, `settle` and a rollback wait for it; a
   * copy that fails is logged and lost (the weights of that step are gone from the model).
   */
  keepLater(copy: Promise<WeightsCopy>, at: At, metrics: Record<string, number | null>, safe: boolean, reason: string): string {
    const recorded = this.inOrder(copy, at, metrics, safe, reason);
    this.track(recorded, at.step, reason);
    return `pending:${at.step}`;
  }

  /**
   * Hands `copy` to the target once it is made and every copy queued before it was handed over;
   * resolves to the id once recorded.
   */
  private inOrder(copy: Promise<WeightsCopy>, at: At, metrics: Record<string, number | null>, safe: boolean, reason: string): Promise<string> {
    this.queued += 1;
    const handedOver = () => (this.queued -= 1);
    // Wrapped so that `submitted` resolves when the copy is handed over, not when it is durable.
    const handed = this.submitted
      .then(() => copy)
      .then(
        (c) => {
          const kept = this.target.keep(c, { ...at, metrics, safe, reason });
          handedOver();
          return { kept };
        },
        (e: unknown) => {
          handedOver();
          throw e;
        },
      );
    this.submitted = handed.then(
      () => undefined,
      () => undefined,
    );
    return handed.then(async ({ kept }) => this.record(typeof kept === 'string' ? kept : await kept, at, safe, reason));
  }

  /** Adds a background write that `settle` waits for; a failure loses that write only, and is logged. */
  track(write: Promise<unknown>, step: number, reason: string): void {
    this.writes = Promise.all([
      this.writes,
      write.catch((e: unknown) => {
        this.recorder.error(
          { event: 'checkpoint-error', step, reason, err: e },
          `em-guard: writing the checkpoint of step ${step} failed: ${(e as Error).message}`,
        );
      }),
    ]).then(() => undefined);
  }

  /** Resolves once every background write has finished. */
  async settle(): Promise<void> {
    await this.writes;
  }

  /** Restores the newest safe checkpoint into `model`; null (logged) when there is none. */
  async rollback(model: tf.LayersModel, now: At, reason: string): Promise<string | null> {
    await this.settle(); // the newest safe checkpoint may still be on its way to disk
    if (!this.lastSafe) {
      this.recorder.error({ event: 'rollback-unavailable', step: now.step, reason }, 'em-guard: rollback requested but no safe checkpoint exists');
      return null;
    }
    const { id, step } = await this.target.restoreLastSafe(model);
    this.recorder.rollback({ to: id, toStep: step, step: now.step, epoch: now.epoch }, reason);
    return id;
  }

  dispose(): void {
    this.target.dispose();
  }

  private record(id: string, at: At, safe: boolean, reason: string): string {
    if (safe && (!this.lastSafe || at.step >= this.lastSafe.step)) this.lastSafe = { id, step: at.step };
    this.recorder.checkpoint({ id, step: at.step, epoch: at.epoch, safe, reason });
    return id;
  }
}
