/**
 * `[min, max]` of finite numbers, or `fallback` when there are none. A loop, not
 * `Math.min(...values)`: spreading a long series (tens of thousands of checks) overflows the stack.
 */
export function extent(values: Iterable<number>, fallback: [number, number] = [0, 1]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : fallback;
}
