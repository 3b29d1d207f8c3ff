import { quantileSorted } from '../analysis/quantile.js';
import { seededRandom } from '../util/seededRandom.js';

/** A statistic with its percentile bootstrap interval. */
export interface Interval {
  value: number;
  lower: number;
  upper: number;
  confidence: number;
}

/**
 * Percentile bootstrap (Efron & Tibshirani 1993, §13.3) of `stat` over resamples of `values` with
 * replacement; seeded (Mulberry32) so a screen is reproducible.
 */
export function bootstrapInterval(
  values: ArrayLike<number>,
  stat: (xs: Float64Array) => number,
  options: { resamples?: number; confidence?: number; seed?: number } = {},
): Interval {
  const B = options.resamples ?? 1000;
  const confidence = options.confidence ?? 0.95;
  const rand = seededRandom(options.seed ?? 1);
  const n = values.length;
  const all = Float64Array.from(values as ArrayLike<number>);
  const value = stat(all);
  // n < 2 or no resamples asked: no interval to speak of.
  if (n < 2 || B === 0) return { value, lower: value, upper: value, confidence };
  const stats: number[] = [];
  const sample = new Float64Array(n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) sample[i] = all[Math.floor(rand() * n)]!;
    stats.push(stat(sample));
  }
  stats.sort((a, b) => a - b);
  const alpha = (1 - confidence) / 2;
  return { value, lower: quantileSorted(stats, alpha), upper: quantileSorted(stats, 1 - alpha), confidence };
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : 0;
}

/** Share of `xs` strictly above `threshold`. */
export function shareAbove(xs: ArrayLike<number>, threshold: number): number {
  let c = 0;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > threshold) c++;
  return xs.length ? c / xs.length : 0;
}
