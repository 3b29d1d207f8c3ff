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
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = Math.max(niceStep((hi - lo) / count), minStep);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  // Multiply instead of accumulating so 0.1 + 0.2 style error does not creep into labels.
  for (let i = first; i <= last; i++) ticks.push(roundToStep(i * step, step));
  return { min: ticks[0] ?? lo, max: ticks[ticks.length - 1] ?? hi, step, ticks };
}

function roundToStep(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  const rounded = Number(value.toFixed(Math.min(decimals, 20)));
  return Object.is(rounded, -0) ? 0 : rounded;
}
