import * as tf from '@tensorflow/tfjs';
import { seededRandom, shuffleInPlace } from '../util/seededRandom.js';

/** A set of examples: inputs and targets with the same number of rows. */
/** The highest aligned share a mixer accepts. */
export const MAX_SHARE = 0.9;

export interface ExampleSet {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface AlignedMixerArgs {
  /** The user's task examples (the narrow fine-tuning data). Not disposed by the mixer. */
  task: ExampleSet;
  /** Aligned examples from all domains, mixed in at the share in force. Not disposed by the mixer. */
  aligned: ExampleSet;
  /** Rows per batch. Default 32. */
  batchSize?: number;
  /** Aligned share at the start, in [0, 0.9]. Default 0 (the task data alone until an action raises it). */
  share?: number;
  /** Seeds the order of both sets and the rounding of each batch's aligned row count. Default 0. */
  seed?: number;
  /**
   * Fixed batches per `fitDataset` epoch: a share > 0 then replaces task rows. Default: none, an epoch
   * ends once every task row has been served once, so aligned rows come on top of the task data (as
   * the paper's static mix adds them) and a share s makes the epoch about 1/(1−s) times longer.
   */
  batchesPerEpoch?: number;
}

/** What the mixer has served so far (over every epoch of every fit). */
export interface AlignedMixerStats {
  batches: number;
  taskRows: number;
  alignedRows: number;
  /** alignedRows / (taskRows + alignedRows); 0 before the first batch. */
  alignedShareUsed: number;
}

function expect(name: string, value: unknown, ok: boolean, expected: string): void {
  if (!ok) throw new Error(`alignedMixer: expected \`${name}\` to be ${expected}, got \`${String(value)}\` (${typeof value})`);
}

function checkSet(name: string, set: ExampleSet | undefined): number {
  if (!set || !(set.x instanceof tf.Tensor) || !(set.y instanceof tf.Tensor)) {
    throw new Error(`alignedMixer: expected \`${name}\` to be { x: tf.Tensor, y: tf.Tensor } (built with the same tf as the model)`);
  }
  const n = set.x.shape[0] ?? 0;
  if (n < 1) throw new Error(`alignedMixer: \`${name}.x\` has no rows; give at least one example`);
  if (set.y.shape[0] !== n)
    throw new Error(`alignedMixer: \`${name}.x\` has ${n} rows but \`${name}.y\` has ${set.y.shape[0]}; pass inputs and targets of the same examples`);
  return n;
}

function sameTail(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => i === 0 || v === b[i]);
}

/** Walks a set in seeded shuffled passes, reshuffling at the end of each pass. */
class Cursor {
  private order: number[];
  private at = 0;
  constructor(
    private readonly n: number,
    private readonly random: () => number,
  ) {
    this.order = shuffleInPlace(
      Array.from({ length: n }, (_, i) => i),
      random,
    );
  }
  take(count: number, into: number[]): void {
    for (let i = 0; i < count; i++) {
      if (this.at === this.n) {
        shuffleInPlace(this.order, this.random);
        this.at = 0;
      }
      into.push(this.order[this.at++]!);
    }
  }
}

/**
 * A `tf.data` dataset for `model.fitDataset` that interleaves the user's task data with aligned data at
 * a share that can change between batches: em-guard's `mix` action raises it while a rule fires and
 * lowers it once the run has recovered. Each batch has `round(share · batchSize)` aligned rows, with the
 * fractional part rounded stochastically from the seed so the expected share is exact; the rest are task
 * rows. The same seed and the same sequence of shares give the same batches.
 */
export class AlignedMixer {
  /** Pass to `model.fitDataset(mixer.dataset, { epochs })`. */
  readonly dataset: tf.data.Dataset<tf.TensorContainer>;
  readonly batchSize: number;
  /** Fixed batches per epoch, or null: an epoch is one pass over the task rows. */
  readonly batchesPerEpoch: number | null;
  private currentShare: number;
  private readonly task: ExampleSet;
  private readonly aligned: ExampleSet;
  private readonly taskCursor: Cursor;
  private readonly alignedCursor: Cursor;
  private readonly rounding: () => number;
  private readonly taskRows: number;
  private served = { batches: 0, taskRows: 0, alignedRows: 0 };

  constructor(args: AlignedMixerArgs) {
    const nTask = checkSet('task', args.task);
    const nAligned = checkSet('aligned', args.aligned);
    if (!sameTail(args.task.x.shape, args.aligned.x.shape) || !sameTail(args.task.y.shape, args.aligned.y.shape)) {
      throw new Error(
        `alignedMixer: task and aligned examples must have the same shapes past the first axis; got task x ${JSON.stringify(args.task.x.shape)}, y ${JSON.stringify(args.task.y.shape)} and aligned x ${JSON.stringify(args.aligned.x.shape)}, y ${JSON.stringify(args.aligned.y.shape)}`,
      );
    }
    const batchSize = args.batchSize ?? 32;
    expect('batchSize', batchSize, Number.isInteger(batchSize) && batchSize >= 1, 'an integer >= 1');
    const seed = args.seed ?? 0;
    expect('seed', seed, Number.isInteger(seed), 'an integer');
    const batchesPerEpoch = args.batchesPerEpoch ?? null;
    if (batchesPerEpoch !== null) expect('batchesPerEpoch', batchesPerEpoch, Number.isInteger(batchesPerEpoch) && batchesPerEpoch >= 1, 'an integer >= 1');
    this.task = args.task;
    this.aligned = args.aligned;
    this.batchSize = batchSize;
    this.batchesPerEpoch = batchesPerEpoch;
    this.currentShare = 0;
    this.share = args.share ?? 0;
    // Three independent streams so a share change does not reorder the task data.
    this.taskRows = nTask;
    this.taskCursor = new Cursor(nTask, seededRandom(seed * 3 + 1));
    this.alignedCursor = new Cursor(nAligned, seededRandom(seed * 3 + 2));
    this.rounding = seededRandom(seed * 3 + 3);
    this.dataset = tf.data.generator(this.epoch.bind(this) as () => Iterator<tf.TensorContainer>);
  }

  /** One `fitDataset` epoch of batches (tf.data calls it anew for each epoch). */
  private *epoch(): Generator<{ xs: tf.Tensor; ys: tf.Tensor }> {
    if (this.batchesPerEpoch !== null) {
      for (let b = 0; b < this.batchesPerEpoch; b++) yield this.nextBatch(this.batchSize).tensors;
      return;
    }
    // One pass over the task rows; the last batch may be short, as in `fit`.
    for (let left = this.taskRows; left > 0;) {
      const batch = this.nextBatch(left);
      left -= batch.taskRows;
      yield batch.tensors;
    }
  }

  /** The aligned share in force for the next batch, in [0, 1]. */
  get share(): number {
    return this.currentShare;
  }

  set share(value: number) {
    // Below 1: every batch keeps at least a chance of task rows, so a pass over the task data ends.
    expect('share', value, typeof value === 'number' && value >= 0 && value <= MAX_SHARE, `a number in [0, ${MAX_SHARE}]`);
    this.currentShare = value;
  }

  get stats(): AlignedMixerStats {
    const { batches, taskRows, alignedRows } = this.served;
    const total = taskRows + alignedRows;
    return { batches, taskRows, alignedRows, alignedShareUsed: total === 0 ? 0 : alignedRows / total };
  }

  /**
   * One batch at the current share with at most `taskLeft` task rows (fitDataset disposes the tensors
   * after the step). A full batch has `round(share · batchSize)` aligned rows; a short last batch keeps
   * the same proportion.
   */
  private nextBatch(taskLeft: number): { tensors: { xs: tf.Tensor; ys: tf.Tensor }; taskRows: number } {
    const exact = this.currentShare * this.batchSize;
    const k = Math.min(this.batchSize, Math.floor(exact) + (this.rounding() < exact - Math.floor(exact) ? 1 : 0));
    const taskCount = Math.min(this.batchSize - k, taskLeft);
    const alignedCount = taskCount === this.batchSize - k ? k : Math.round((k * taskCount) / Math.max(1, this.batchSize - k));
    const taskIdx: number[] = [];
    const alignedIdx: number[] = [];
    this.taskCursor.take(taskCount, taskIdx);
    this.alignedCursor.take(alignedCount, alignedIdx);
    this.served.batches++;
    this.served.taskRows += taskIdx.length;
    this.served.alignedRows += alignedIdx.length;
    const tensors = tf.tidy(() => {
      const parts = (set: ExampleSet, idx: number[], key: 'x' | 'y'): tf.Tensor[] => (idx.length === 0 ? [] : [tf.gather(set[key], tf.tensor1d(idx, 'int32'))]);
      const xs = tf.concat([...parts(this.task, taskIdx, 'x'), ...parts(this.aligned, alignedIdx, 'x')]);
      const ys = tf.concat([...parts(this.task, taskIdx, 'y'), ...parts(this.aligned, alignedIdx, 'y')]);
      return { xs, ys };
    });
    return { tensors, taskRows: taskCount };
  }
}

/** `alignedMixer(args)`: the factory form, like `tf.callbacks.earlyStopping(args)`. */
export function alignedMixer(args: AlignedMixerArgs): AlignedMixer {
  return new AlignedMixer(args);
}
