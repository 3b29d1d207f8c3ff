import { assertFiniteVector } from './validateInput.js';

/** Two-sample Kolmogorov–Smirnov test result (two-sided). */
export interface KsTwoSampleResult {
  /** D = sup |F₁(x) − F₂(x)| of the two empirical CDFs. */
  statistic: number;
  /** P(D ≥ observed) under H₀ (same distribution), exact. */
  p: number;
  n1: number;
  n2: number;
}

/**
 * Two-sided two-sample KS test with the exact p-value, as `scipy.stats.ks_2samp(a, b)` (method
 * 'auto' = exact for samples up to 10 000): D·lcm(n1, n2) is an integer h, and under H₀ the merged
 * order is a uniformly random monotone lattice path from (0, 0) to (n1, n2); p = 1 − P(the path stays
 * strictly inside |i/n1 − j/n2| < h/lcm), by the path-counting recursion of Hodges (1957) carried as
 * probabilities w(i, j) = w(i−1, j)·i/(i+j) + w(i, j−1)·j/(i+j) (no binomial overflow). O(n1·n2).
 */
export function ksTwoSample(a: readonly number[], b: readonly number[]): KsTwoSampleResult {
  assertFiniteVector('ksTwoSample', 'a', a, 1);
  assertFiniteVector('ksTwoSample', 'b', b, 1);
  const n1 = a.length;
  const n2 = b.length;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  // D in integer units of 1/(n1·n2): |i·n2 − j·n1| after each distinct value.
  let i = 0;
  let j = 0;
  let worst = 0;
  while (i < n1 || j < n2) {
    const v = Math.min(i < n1 ? x[i]! : Infinity, j < n2 ? y[j]! : Infinity);
    while (i < n1 && x[i] === v) i++;
    while (j < n2 && y[j] === v) j++;
    worst = Math.max(worst, Math.abs(i * n2 - j * n1));
  }
  const statistic = worst / (n1 * n2);
  if (worst === 0) return { statistic, p: 1, n1, n2 };
  // Inside ⇔ |i·n2 − j·n1| < worst (the observed D itself counts as "at least as extreme").
  let prev = new Float64Array(n2 + 1);
  let cur = new Float64Array(n2 + 1);
  for (let jj = 0; jj <= n2; jj++) prev[jj] = jj * n1 < worst ? 1 : 0;
  for (let ii = 1; ii <= n1; ii++) {
    for (let jj = 0; jj <= n2; jj++) {
      if (Math.abs(ii * n2 - jj * n1) >= worst) {
        cur[jj] = 0;
        continue;
      }
      const up = (prev[jj]! * ii) / (ii + jj);
      const left = jj > 0 ? (cur[jj - 1]! * jj) / (ii + jj) : 0;
      cur[jj] = up + left;
    }
    [prev, cur] = [cur, prev];
  }
  return { statistic, p: Math.min(1, Math.max(0, 1 - prev[n2]!)), n1, n2 };
}
