import { logGamma } from './logGamma.js';
import { studentTQuantile, studentTTwoSidedP } from './studentT.js';
import { assertFiniteVector, assertOpenUnit } from './validateInput.js';

/** Result of {@link welchTTest}; `null` fields come with a `reason`. */
export interface WelchTTestResult {
  /** t statistic of mean(a) − mean(b). */
  t: number | null;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number | null;
  /** Two-sided p-value. */
  p: number | null;
  /** mean(a) − mean(b). */
  meanDiff: number;
  /** Confidence interval of the mean difference (Welch). */
  ci: [number, number] | null;
  /** Confidence level of `ci`. */
  confidence: number;
  /** Cohen's d with the pooled SD √(((na−1)sa² + (nb−1)sb²)/(na+nb−2)). */
  cohenD: number | null;
  /** Hedges' g = d·J, exact J = Γ(m/2)/(√(m/2)·Γ((m−1)/2)), m = na + nb − 2 (Hedges 1981). */
  hedgesG: number | null;
  /** Sample sizes. */
  nA: number;
  nB: number;
  /** Why a field is `null`. */
  reason?: string;
}

function meanAndVariance(x: readonly number[]): { mean: number; variance: number } {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let ss = 0;
  for (const v of x) ss += (v - mean) ** 2;
  return { mean, variance: ss / (x.length - 1) };
}

/**
 * Welch's unequal-variance t-test of mean(a) vs mean(b) (Welch 1947; matches
 * scipy.stats.ttest_ind(a, b, equal_var=False)), with the Welch confidence interval of the
 * difference and two standardized effect sizes. Each sample needs >= 2 values.
 */
export function welchTTest(a: readonly number[], b: readonly number[], options: { confidence?: number } = {}): WelchTTestResult {
  const confidence = options.confidence ?? 0.95;
  assertFiniteVector('welchTTest', 'a', a, 2);
  assertFiniteVector('welchTTest', 'b', b, 2);
  assertOpenUnit('welchTTest', 'confidence', confidence);
  const na = a.length;
  const nb = b.length;
  const A = meanAndVariance(a);
  const B = meanAndVariance(b);
  const meanDiff = A.mean - B.mean;
  const qa = A.variance / na;
  const qb = B.variance / nb;
  const base = { meanDiff, confidence, nA: na, nB: nb };
  if (qa + qb === 0) {
    return { ...base, t: null, df: null, p: null, ci: null, cohenD: null, hedgesG: null, reason: 'both samples are constant, so the t statistic is undefined' };
  }
  const se = Math.sqrt(qa + qb);
  const t = meanDiff / se;
  const df = (qa + qb) ** 2 / ((qa * qa) / (na - 1) + (qb * qb) / (nb - 1));
  const p = studentTTwoSidedP(t, df);
  const half = studentTQuantile(1 - (1 - confidence) / 2, df) * se;
  const m = na + nb - 2;
  const pooledSd = Math.sqrt(((na - 1) * A.variance + (nb - 1) * B.variance) / m);
  const cohenD = meanDiff / pooledSd;
  // J needs m >= 2 (Γ((m−1)/2) with m − 1 > 0); na, nb >= 2 guarantees m >= 2.
  const J = Math.exp(logGamma(m / 2) - logGamma((m - 1) / 2)) / Math.sqrt(m / 2);
  return { ...base, t, df, p, ci: [meanDiff - half, meanDiff + half], cohenD, hedgesG: cohenD * J };
}
