/**
 * mean, median, min and max of a list of numbers, the same numbers as simple-statistics 7.12 returns
 * (its compensated `sum` / n; its type-7 `quantile` at 0.5; its comparison loops), for the per-prompt
 * summaries of `analyze`. Not imported from simple-statistics there: loading its 167 kB module cost
 * 25–32 ms CPU of every fresh `em-guard analyze` (measured after the ESM loader was warm, load 7),
 * ≈ 4 % of the whole process, for four ten-line functions. test/seedStatistics.test.ts checks them
 * against simple-statistics bit for bit.
 */

/** Arithmetic mean, summed with the Kahan–Babuška (Neumaier) correction; throws on an empty list. */
export function mean(x: readonly number[]): number {
  if (x.length === 0) throw new Error('mean requires at least one data point');
  let sum = x[0]!;
  let correction = 0;
  for (let i = 1; i < x.length; i++) {
    const v = x[i]!;
    const next = sum + v;
    correction += Math.abs(sum) >= Math.abs(v) ? sum - next + v : v - next + sum;
    sum = next;
  }
  return (sum + correction) / x.length;
}

/** Median: linear interpolation between the order statistics at (n − 1)/2 (Hyndman & Fan type 7, NumPy's default). */
export function median(x: readonly number[]): number {
  if (x.length === 0) throw new Error('median requires at least one data point');
  const sorted = Float64Array.from(x).sort();
  const h = (sorted.length - 1) * 0.5;
  if (h % 1 === 0) return sorted[h]!;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * (sorted[lo + 1]! - sorted[lo]!);
}

/** Smallest value (the first of equal ones); throws on an empty list. */
export function min(x: readonly number[]): number {
  if (x.length === 0) throw new Error('min requires at least one data point');
  let value = x[0]!;
  for (let i = 1; i < x.length; i++) if (x[i]! < value) value = x[i]!;
  return value;
}

/** Largest value (the first of equal ones); throws on an empty list. */
export function max(x: readonly number[]): number {
  if (x.length === 0) throw new Error('max requires at least one data point');
  let value = x[0]!;
  for (let i = 1; i < x.length; i++) if (x[i]! > value) value = x[i]!;
  return value;
}
