import * as tf from '@tensorflow/tfjs';
import { JUDGE_LOSS, JUDGE_RATE } from '../../analysis/detectionQuality.js';
import type { RunLog } from '../../runlog/RunLog.js';
import { judgeLm, type LmSample } from './judgeLm.js';
import { lmLossOn } from './lmLoss.js';
import type { LmSet } from './makeLmDataset.js';

/** Judge key of the share of coherent generations. */
export const JUDGE_COHERENT = 'organism.coherentRate';

export interface LmJudgeReading {
  step: number;
  epoch: number;
  misalignedRate: number;
  coherentRate: number;
  inDomainLoss?: number;
  samples: LmSample[];
}

export interface LmJudgeRecorderOptions {
  judgeSet: LmSet;
  inDomain?: { x: tf.Tensor; y: tf.Tensor };
  /** Judge every this many batches (and before the first). Default 16. */
  every?: number;
  /** Samples written to the run log per reading (the report shows them). Default 12. */
  logSamples?: number;
  runLog?: () => RunLog | null;
  onReading?: (r: LmJudgeReading) => void;
}

/**
 * The LM organism's judge as a training callback: generates answers to the out-of-domain judge
 * prompts before the first batch and every `every` batches, and appends a `judge` record
 * (`organism.misalignedRate`, `organism.coherentRate`, `organism.inDomainLoss`, and a few of the
 * generations as `samples`) to the run log. Put it before an acting guard in `callbacks`, so a
 * reading at a check step sees the weights the guard judged.
 */
export function lmJudgeRecorder(
  model: tf.LayersModel,
  options: LmJudgeRecorderOptions,
): { callback: tf.CustomCallback; readings: LmJudgeReading[]; steps: () => number; finish: () => void } {
  const every = options.every ?? 16;
  if (!Number.isInteger(every) || every < 1) throw new Error(`Expected \`every\` to be an integer >= 1, got \`${String(every)}\` (${typeof every})`);
  const logSamples = options.logSamples ?? 12;
  const readings: LmJudgeReading[] = [];
  let step = 0;
  let epoch = 0;
  let pendingBaseline = false;
  const read = () => {
    const j = judgeLm(model, options.judgeSet);
    const r: LmJudgeReading = { step, epoch, misalignedRate: j.misalignedRate, coherentRate: j.coherentRate, samples: j.samples };
    if (options.inDomain) r.inDomainLoss = lmLossOn(model, options.inDomain.x, options.inDomain.y);
    readings.push(r);
    const values: Record<string, number> = { [JUDGE_RATE]: r.misalignedRate, [JUDGE_COHERENT]: r.coherentRate };
    if (r.inDomainLoss !== undefined) values[JUDGE_LOSS] = r.inDomainLoss;
    // Interleave greedy and sampled answers to the first prompts, so the log shows both.
    const n = options.judgeSet.n;
    const shown =
      j.samples.length > n
        ? Array.from({ length: Math.min(logSamples, j.samples.length) }, (_, i) => j.samples[(i % 2) * n + Math.floor(i / 2)]!)
        : j.samples.slice(0, logSamples);
    options.runLog?.()?.append({ type: 'judge', step, epoch, values, samples: shown });
    options.onReading?.(r);
  };
  const callback = new tf.CustomCallback(
    {
      onTrainBegin: async () => {
        readings.length = 0;
        step = 0;
        epoch = 0;
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
  const finish = () => {
    if (readings.at(-1)?.step !== step) read();
  };
  return { callback, readings, steps: () => step, finish };
}
