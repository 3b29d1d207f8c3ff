import * as tf from '@tensorflow/tfjs';
import { JUDGE_LOSS, JUDGE_RATE } from '../analysis/detectionQuality.js';
import type { RunLog } from '../runlog/RunLog.js';
import type { OrganismSet } from './makeOrganismDataset.js';
import { misalignedRate } from './misalignedRate.js';
import { organismLossOn } from './organismLoss.js';

/** One judge reading: the ground truth the guard never sees, under the keys analysis reads. */
export interface JudgeReading {
  step: number;
  epoch: number;
  [JUDGE_RATE]: number;
  [JUDGE_LOSS]?: number;
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
 * A callback that measures the organism's out-of-domain misaligned rate (and in-domain loss)
 * during a fine-tune, once before the first step and every `every` batches, and writes each
 * reading to the run log as a `judge` record, so reports and detection analysis can compare the
 * guard's metrics with the truth. Put it *before* an acting guard in `callbacks` so a reading at a
 * check step sees the weights the guard judged, not the rolled-back ones.
 */
export function judgeRecorder(
  model: tf.LayersModel,
  options: JudgeRecorderOptions,
): { callback: tf.CustomCallback; readings: JudgeReading[]; steps: () => number; finish: () => void } {
  const every = options.every ?? 8;
  if (!Number.isInteger(every) || every < 1) throw new Error(`Expected \`every\` to be an integer >= 1, got \`${String(every)}\` (${typeof every})`);
  const readings: JudgeReading[] = [];
  let step = 0;
  let epoch = 0;
  let pendingBaseline = false;
  const read = () => {
    const r: JudgeReading = { step, epoch, [JUDGE_RATE]: misalignedRate(model, options.judgeSet) };
    if (options.inDomain) r[JUDGE_LOSS] = organismLossOn(model, options.inDomain.x, options.inDomain.y);
    readings.push(r);
    const { step: s, epoch: e, ...values } = r;
    options.runLog?.()?.append({ type: 'judge', step: s, epoch: e, values: values as Record<string, number> });
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
  // After fit: a last reading when the run did not end on the cadence, so the final state is judged.
  const finish = () => {
    if (readings.at(-1)?.step !== step) read();
  };
  return { callback, readings, steps: () => step, finish };
}
