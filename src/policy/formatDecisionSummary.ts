import type { Rule } from './policy.js';

/** A metric value for a human line: 4 significant digits, no trailing zeros (0.7, 0.6235, 1.2e-7). */
export function formatMetricValue(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

/**
 * `alignment.score 0.62 < 0.7 (baseline 0.8 − 0.1) for 2 checks at step 150`: everything a
 * reviewer needs to see why a rule fired, on one line.
 */
export function formatDecisionSummary(
  rule: Rule,
  key: string,
  value: number,
  threshold: number,
  baseline: number | null,
  consecutive: number,
  step: number,
): string {
  const base =
    baseline === null ? '' : ` (baseline ${formatMetricValue(baseline)} ${rule.threshold < 0 ? '−' : '+'} ${formatMetricValue(Math.abs(rule.threshold))})`;
  return `${key} ${formatMetricValue(value)} ${rule.op} ${formatMetricValue(threshold)}${base} for ${consecutive} check${consecutive === 1 ? '' : 's'} at step ${step}`;
}
