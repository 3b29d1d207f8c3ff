/** A "nice" axis: bounds and tick positions on round numbers (1, 2, 2.5 or 5 times a power of ten). */
export interface NiceTicks {
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

function niceStep(rough: number): number {
  // Heckbert, "Nice numbers for graph labels" (Graphics Gems, 1990), with 2.5 added as in d3-scale.
  const exponent = Math.floor(Math.log10(rough));
  const fraction = rough / 10 ** exponent;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * 10 ** exponent;
}

/**
 * Extends `[min, max]` outwards to round numbers and lists about `count` ticks inside, so axis
 * labels read `0, 0.2, 0.4` instead of `0.0137, 0.2151`. A degenerate range (min == max) is widened
 * around the value so a constant series still gets an axis. `minStep` (e.g. 1 for training steps)
 * keeps ticks off fractions that cannot occur.
 */
export function niceTicks(min: number, max: number, count = 5, minStep = 0): NiceTicks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw new Error(`Expected finite axis bounds, got \`${min}\` and \`${max}\``);
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`Expected \`count\` to be an integer >= 1, got \`${count}\` (${typeof count})`);
  }
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  // A range at the edge of float precision (0.9999999999999999 to 1) is a constant too: its
  // `lo / step` would pass 2^53, where `i++` no longer moves, and the tick loop would never end.
  if (hi - lo <= Math.max(Math.abs(lo), Math.abs(hi)) * 1e-9) {
    const mid = (lo + hi) / 2;
    const pad = mid === 0 ? 1 : Math.abs(mid) * 0.1;
    lo = mid - pad;
    hi = mid + pad;
  }
  const step = Math.max(niceStep((hi - lo) / count), minStep);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  if (!(last - first <= 10_000))
    throw new Error(`niceTicks: ${last - first} ticks for [${min}, ${max}] with count ${count}; expected a handful (this is a bug)`);
  const ticks: number[] = [];
  // Multiply instead of accumulating so 0.1 + 0.2 style error does not creep into labels.
  for (let i = first; i <= last; i++) ticks.push(roundToStep(i * step));
  return { min: ticks[0] ?? lo, max: ticks[ticks.length - 1] ?? hi, step, ticks };
}

function roundToStep(value: number): number {
  // 12 significant digits: drops float noise (0.30000000000000004 → 0.3) at any magnitude.
  const rounded = Number(value.toPrecision(12));
  return Object.is(rounded, -0) ? 0 : rounded;
}
