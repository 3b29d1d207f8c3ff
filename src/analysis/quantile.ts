/**
 * Quantile of already-sorted values by linear interpolation between order statistics
 * (Hyndman & Fan 1996 type 7; numpy's default `np.quantile`).
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantileSorted: expected at least one value, got 0');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantileSorted: expected \`q\` in [0, 1], got \`${q}\``);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  if (lo + 1 >= sorted.length) return a;
  return a + (h - lo) * (sorted[lo + 1]! - a);
}
