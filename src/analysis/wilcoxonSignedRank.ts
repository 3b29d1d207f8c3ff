import { averageRanks } from './averageRanks.js';
import { normalCdf } from './normal.js';
import { assertFiniteVector, assertSameLength } from './validateInput.js';

/** Wilcoxon signed-rank test result (two-sided, paired). */
export interface WilcoxonResult {
  /** min(W₊, W₋), the rank sums of positive and negative differences (scipy's two-sided statistic). */
  statistic: number;
  p: number;
  /** 'exact' (null distribution of W₊ by counting) or 'approx' (normal, tie-corrected, no continuity correction). */
  method: 'exact' | 'approx';
  /** Non-zero differences used. */
  n: number;
  /** Pairs dropped because their difference is zero (zero_method 'wilcox'). */
  zeros: number;
}

/**
 * Paired two-sided Wilcoxon signed-rank test on d = x − y, as `scipy.stats.wilcoxon(x, y)` with its
 * defaults (zero_method 'wilcox': zero differences dropped; correction False): exact when there are at
 * most 50 differences, none zero and no tied |d| (p = 2·min(P(W₊ ≤ w), P(W₊ ≥ w)) from the
 * subset-sum counts of ranks 1..n); otherwise the normal approximation with the tie correction
 * σ² = [n(n+1)(2n+1) − ½Σ t(t²−1)]/24. (SciPy 1.10 also runs "exact" with tied |d| by truncating
 * the rank sum; here ties always take the approximation.) Returns p = 1 when every difference is 0.
 */
export function wilcoxonSignedRank(x: readonly number[], y: readonly number[]): WilcoxonResult {
  assertFiniteVector('wilcoxonSignedRank', 'x', x, 1);
  assertFiniteVector('wilcoxonSignedRank', 'y', y, 1);
  assertSameLength('wilcoxonSignedRank', 'x', x, 'y', y);
  const all = x.map((v, i) => v - y[i]!);
  const d = all.filter((v) => v !== 0);
  const zeros = all.length - d.length;
  const n = d.length;
  if (n === 0) return { statistic: 0, p: 1, method: 'approx', n, zeros };
  const ranks = averageRanks(d.map(Math.abs));
  let plus = 0;
  let minus = 0;
  d.forEach((v, i) => (v > 0 ? (plus += ranks[i]!) : (minus += ranks[i]!)));
  const statistic = Math.min(plus, minus);
  const tied = new Set(ranks).size < n;
  if (all.length <= 50 && zeros === 0 && !tied) {
    // counts[s] = number of subsets of {1..n} with sum s (the null distribution of W₊).
    const max = (n * (n + 1)) / 2;
    const counts = new Float64Array(max + 1);
    counts[0] = 1;
    for (let r = 1; r <= n; r++) for (let s = max; s >= r; s--) counts[s] = counts[s]! + counts[s - r]!;
    const total = 2 ** n;
    const w = Math.round(plus);
    if (w * 2 === max) return { statistic, p: 1, method: 'exact', n, zeros };
    let less = 0;
    let greater = 0;
    for (let s = 0; s <= max; s++) {
      if (s <= w) less += counts[s]!;
      if (s >= w) greater += counts[s]!;
    }
    return { statistic, p: Math.min(1, (2 * Math.min(less, greater)) / total), method: 'exact', n, zeros };
  }
  const mean = (n * (n + 1)) / 4;
  let variance = n * (n + 1) * (2 * n + 1);
  const sizes = new Map<number, number>();
  for (const r of ranks) sizes.set(r, (sizes.get(r) ?? 0) + 1);
  for (const t of sizes.values()) if (t > 1) variance -= 0.5 * t * (t * t - 1);
  const z = (statistic - mean) / Math.sqrt(variance / 24);
  return { statistic, p: Math.min(1, 2 * normalCdf(-Math.abs(z))), method: 'approx', n, zeros };
}
