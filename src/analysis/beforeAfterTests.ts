import { linearRegression, rSquared } from 'simple-statistics';
import { ksTwoSample, type KsTwoSampleResult } from './ksTwoSample.js';
import { wilcoxonSignedRank, type WilcoxonResult } from './wilcoxonSignedRank.js';
import { assertFiniteVector, assertSameLength } from './validateInput.js';

/** Per-prompt scores before vs after fine-tuning: do they differ, and how does after follow before. */
export interface BeforeAfterTests {
  n: number;
  /** Two-sample KS of the two score distributions (exact, two-sided). */
  ks: KsTwoSampleResult;
  /** Paired Wilcoxon signed-rank of before − after. */
  wilcoxon: WilcoxonResult;
  /** OLS of after on before (simple-statistics `linearRegression`, `rSquared`); null when before is constant. */
  ols: { slope: number; intercept: number; r2: number } | null;
}

/**
 * The paper's "the fine-tuned model differs from the pre-trained one (p < 0.01)" on per-prompt
 * scores: KS on the distributions, Wilcoxon signed-rank on the pairs, and the OLS slope and R² of
 * after on before (how much of the after score the before score carries).
 */
export function beforeAfterTests(before: readonly number[], after: readonly number[]): BeforeAfterTests {
  assertFiniteVector('beforeAfterTests', 'before', before, 2);
  assertFiniteVector('beforeAfterTests', 'after', after, 2);
  assertSameLength('beforeAfterTests', 'before', before, 'after', after);
  const pairs = before.map((b, i) => [b, after[i]!]);
  const constant = before.every((b) => b === before[0]);
  let ols: BeforeAfterTests['ols'] = null;
  if (!constant) {
    const { m, b } = linearRegression(pairs);
    ols = { slope: m, intercept: b, r2: rSquared(pairs, (x) => m * x + b) };
  }
  return { n: before.length, ks: ksTwoSample(before, after), wilcoxon: wilcoxonSignedRank(before, after), ols };
}
