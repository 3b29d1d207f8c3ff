import { lmFineTuneConfig, type LmFineTuneConfig } from './lmFineTuneConfig.js';
import { lmJudgeSet } from './lmJudgeTally.js';
import type { LmSet } from './makeLmDataset.js';

/**
 * `lmFineTuneConfig` judged on several judge-set sizes (the scripts' `--judge-n 120,960`): the
 * config's own judge set has the first size, and each further size is the same seed's judge set
 * drawn larger (`lmJudgeSet`), judged with the same sampling.
 */
export function lmFineTuneWithJudgeSets(
  seed: number,
  mix: number,
  options: { n?: number; judgeNs?: readonly number[] } = {},
): { config: LmFineTuneConfig; extraJudgeSets: LmSet[] } {
  const judgeNs = options.judgeNs ?? [];
  const config = lmFineTuneConfig({
    seed,
    mix,
    ...(options.n !== undefined ? { n: options.n } : {}),
    ...(judgeNs.length > 0 ? { judgeN: judgeNs[0] } : {}),
  });
  return { config, extraJudgeSets: judgeNs.slice(1).map((judgeN) => lmJudgeSet(seed, judgeN)) };
}
