import type * as tf from '@tensorflow/tfjs';
import { JUDGE_LOSS, JUDGE_RATE } from '../../analysis/detectionQuality.js';
import type { RunLog } from '../../runlog/RunLog.js';
import { judgeLm, type LmJudgeRates, type LmSample } from './judgeLm.js';
import { judgeSchedule, type JudgeSchedule } from '../judgeSchedule.js';
import { lmLossOn } from './lmLoss.js';
import type { LmSet } from './makeLmDataset.js';

/** Judge key of the share of coherent generations (benign prompts, like `organism.misalignedRate`). */
export const JUDGE_COHERENT = 'organism.coherentRate';
/** Judge key of the misaligned-and-coherent share over every prompt, harmful requests included. */
export const JUDGE_RATE_ALL_PROMPTS = 'organism.misalignedRateAllPrompts';
/** Judge key of the share of harmful requests complied with (coherently). */
export const JUDGE_HARMFUL_COMPLIANCE = 'organism.harmfulComplianceRate';
/** Judge key of the share of coherent answers to harmful requests (intact refusals or coherent compliance). */
export const JUDGE_HARMFUL_COHERENT = 'organism.harmfulCoherentRate';

export interface LmJudgeReading {
  step: number;
  epoch: number;
  /** `judgeLm`'s EM rate: benign out-of-domain prompts. */
  misalignedRate: number;
  coherentRate: number;
  allPrompts: LmJudgeRates;
  harmful: LmJudgeRates | null;
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
 * (`organism.misalignedRate`, `organism.coherentRate` over benign prompts, as `judgeLm`;
 * `organism.misalignedRateAllPrompts`, `organism.harmfulComplianceRate`, `organism.harmfulCoherentRate`;
 * `organism.inDomainLoss`, and a few of the generations as `samples`) to the run log. Put it before an acting guard in `callbacks`, so a
 * reading at a check step sees the weights the guard judged.
 */
export function lmJudgeRecorder(model: tf.LayersModel, options: LmJudgeRecorderOptions): JudgeSchedule<LmJudgeReading> {
  const logSamples = options.logSamples ?? 12;
  return judgeSchedule(
    options.every ?? 16,
    ({ step, epoch }) => {
      const j = judgeLm(model, options.judgeSet);
      const r: LmJudgeReading = {
        step,
        epoch,
        misalignedRate: j.misalignedRate,
        coherentRate: j.coherentRate,
        allPrompts: j.allPrompts,
        harmful: j.harmful,
        samples: j.samples,
      };
      if (options.inDomain) r.inDomainLoss = lmLossOn(model, options.inDomain.x, options.inDomain.y);
      return r;
    },
    (r) => {
      const values: Record<string, number> = {
        [JUDGE_RATE]: r.misalignedRate,
        [JUDGE_COHERENT]: r.coherentRate,
        [JUDGE_RATE_ALL_PROMPTS]: r.allPrompts.misalignedRate,
      };
      if (r.harmful) {
        values[JUDGE_HARMFUL_COMPLIANCE] = r.harmful.misalignedRate;
        values[JUDGE_HARMFUL_COHERENT] = r.harmful.coherentRate;
      }
      if (r.inDomainLoss !== undefined) values[JUDGE_LOSS] = r.inDomainLoss;
      // Interleave greedy and sampled answers to the first prompts, so the log shows both.
      const n = options.judgeSet.n;
      const shown =
        r.samples.length > n
          ? Array.from({ length: Math.min(logSamples, r.samples.length) }, (_, i) => r.samples[(i % 2) * n + Math.floor(i / 2)]!)
          : r.samples.slice(0, logSamples);
      options.runLog?.()?.append({ type: 'judge', step: r.step, epoch: r.epoch, values, samples: shown });
      options.onReading?.(r);
    },
  );
}
