/**
 * A tick label with just enough decimals for the tick spacing (`0.25` not `0.250000001`), and
 * exponent notation for very small or very large magnitudes so labels stay short.
 */
export function formatTick(value: number, step: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return trimExponent(value.toExponential(2));
  return value.toFixed(Math.min(20, significantDecimals(step)));
}

/** A value for a tooltip or table: four significant digits, `–` for a missing value. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return trimExponent(value.toExponential(3));
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

function significantDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  // Decimals needed to show the step exactly (2.5 → 1, 0.25 → 2, 0.2 → 1).
  for (let d = 0; d <= 20; d++) if (Math.abs(Number(step.toFixed(d)) - step) <= step * 1e-9) return d;
  return 20;
}

function trimExponent(s: string): string {
  return s.replace(/\.?0+e/, 'e').replace('e+', 'e');
}
