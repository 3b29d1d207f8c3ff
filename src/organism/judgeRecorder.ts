import * as tf from '@tensorflow/tfjs';
import type { RunLog } from '../runlog/RunLog.js';
import type { OrganismSet } from './makeOrganismDataset.js';
import { misalignedRate } from './misalignedRate.js';
import { organismLossOn } from './organismLoss.js';

/** Judge values written to the run log: the ground truth the guard never sees. */
export interface JudgeReading {
  step: number;
  epoch: number;
  'organism.misalignedRate': number;
  'loss.inDomain'?: number;
}

export interface JudgeRecorderOptions {
  /** Held-out out-of-domain prompts (`fineTuneConfig(...).judgeSet`). */
  judgeSet: OrganismSet;
  /** Held-out in-domain tensors for the in-domain loss. */
  inDomain?: { x: tf.Tensor; y: tf.Tensor };
  /** Judge every this many batches (and once before the first step). Default 8. */
  every?: number;
  /** Where to append `judge` records; called lazily, so it can read a guard's runDir after its onTrainBegin. */
  runLog?: () => RunLog | null;
  /** Called with each reading (e.g. a progress display). */
  onReading?: (r: JudgeReading) => void;
}

/**
 * A callback that measures the organism's out-of-domain misaligned rate during a fine-tune and
 * writes it to the run log as `judge` records, so reports and detection analysis can compare the
 * guard's metrics with the truth. Put it *before* the guard in `callbacks` so a reading at a check
 * step sees the weights the guard judged, not the rolled-back ones.
 */
export function judgeRecorder(model: tf.LayersModel, options: JudgeRecorderOptions): { callback: tf.CustomCallback; readings: JudgeReading[] } {
  const every = options.every ?? 8;
  if (!Number.isInteger(every) || every < 1) throw new Error(`Expected \`every\` to be an integer >= 1, got \`${String(every)}\` (${typeof every})`);
  const readings: JudgeReading[] = [];
  let step = 0;
  let epoch = 0;
  let pendingBaseline = false;
  const read = () => {
    const r: JudgeReading = { step, epoch, 'organism.misalignedRate': misalignedRate(model, options.judgeSet) };
    if (options.inDomain) r['loss.inDomain'] = organismLossOn(model, options.inDomain.x, options.inDomain.y);
    readings.push(r);
    const log = options.runLog?.();
    const { step: s, epoch: e, ...values } = r;
    log?.append({ type: 'judge', step: s, epoch: e, values: values as Record<string, number> });
    options.onReading?.(r);
  };
  const callback = new tf.CustomCallback(
    {
      onTrainBegin: async () => {
        readings.length = 0;
        step = 0;
        epoch = 0;
        // The guard's run log exists only after its own onTrainBegin: record the baseline at the first batch.
        pendingBaseline = true;
      },
      onEpochBegin: async (e) => {
        epoch = e;
      },
      onBatchBegin: async () => {
        if (pendingBaseline) {
          pendingBaseline = false;
          read();
        }
      },
      onBatchEnd: async () => {
        step++;
        if (step % every === 0) read();
      },
    },
    'never',
  );
  return { callback, readings };
}
