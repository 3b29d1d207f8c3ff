import type * as tf from '@tensorflow/tfjs';
import { JUDGE_LOSS, JUDGE_RATE } from '../analysis/detectionQuality.js';
import type { RunLog } from '../runlog/RunLog.js';
import type { OrganismSet } from './makeOrganismDataset.js';
import { misalignedRate } from './misalignedRate.js';
import { organismLossOn } from './organismLoss.js';
import { judgeSchedule, type JudgeSchedule } from './judgeSchedule.js';

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
export function judgeRecorder(model: tf.LayersModel, options: JudgeRecorderOptions): JudgeSchedule<JudgeReading> {
  return judgeSchedule(
    options.every ?? 8,
    ({ step, epoch }) => {
      const r: JudgeReading = { step, epoch, [JUDGE_RATE]: misalignedRate(model, options.judgeSet) };
      if (options.inDomain) r[JUDGE_LOSS] = organismLossOn(model, options.inDomain.x, options.inDomain.y);
      return r;
    },
    (r) => {
      const { step, epoch, ...values } = r;
      options.runLog?.()?.append({ type: 'judge', step, epoch, values: values as Record<string, number> });
      options.onReading?.(r);
    },
  );
}
