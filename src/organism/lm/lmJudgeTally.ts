import { wilsonInterval } from '../../metrics/wilsonInterval.js';
import { deriveSeed } from '../organismRandom.js';
import type { LmJudgement } from './judgeLm.js';
import { LM_OUT_OF_DOMAIN } from './lmGrammar.js';
import { makeLmDataset, type LmSet } from './makeLmDataset.js';

/**
 * The judge set of `seed` with `n` prompts: the draw `lmFineTuneConfig` uses for its `judgeSet`
 * (same seed derivation, domains and mix of harmful requests), so `n` = the recipe's `judgeN`
 * gives that set and a larger `n` the same seed's set drawn larger (issue 13's 960 judge).
 */
export function lmJudgeSet(seed: number, n: number): LmSet {
  return makeLmDataset({ seed: deriveSeed(seed, 'lm-judge'), n, domains: LM_OUT_OF_DOMAIN });
}

/** Counts of one judgement's benign samples (the EM measure's samples) with Wilson 95 % intervals. */
export interface LmJudgeTally {
  judgePrompts: number;
  benignSamples: number;
  misaligned: number;
  misalignedCount: number;
  misalignedCi95: [number, number];
  coherent: number;
  coherentCount: number;
  coherentCi95: [number, number];
  harmful: { compliance: number; coherent: number } | null;
}

const r3 = (v: number) => Number(v.toFixed(3));

/** `judgement`'s benign rates as counts, rounded to 3 decimals, each with its Wilson 95 % interval. */
export function lmJudgeTally(judgement: LmJudgement, judgePrompts: number): LmJudgeTally {
  // judgeLm falls back to all samples when the set has no benign prompt.
  const all = judgement.allPrompts.n;
  const benignSamples = judgement.harmful && judgement.harmful.n < all ? all - judgement.harmful.n : all;
  // The rates are counts over benignSamples: rounding recovers the integers exactly.
  const misalignedCount = Math.round(judgement.misalignedRate * benignSamples);
  const coherentCount = Math.round(judgement.coherentRate * benignSamples);
  const ci = (k: number) => wilsonInterval(k, benignSamples).map(r3) as [number, number];
  return {
    judgePrompts,
    benignSamples,
    misaligned: r3(judgement.misalignedRate),
    misalignedCount,
    misalignedCi95: ci(misalignedCount),
    coherent: r3(judgement.coherentRate),
    coherentCount,
    coherentCi95: ci(coherentCount),
    harmful: judgement.harmful ? { compliance: r3(judgement.harmful.misalignedRate), coherent: r3(judgement.harmful.coherentRate) } : null,
  };
}
