import type { Decision } from './decision.js';
import { formatDecisionSummary } from './formatDecisionSummary.js';
import type { MetricSnapshot } from './metricSnapshot.js';
import type { Policy, Rule, RuleOp } from './policy.js';
import type { PolicyNotice, PolicyNoticeCode } from './policyNotice.js';
import type { PolicyState } from './policyState.js';

export { createPolicyState } from './policyState.js';

/** What one check produced: rules that fired, the next state, and notices about unevaluable rules. */
export interface PolicyEvaluation {
  readonly decisions: Decision[];
  readonly state: PolicyState;
  readonly notices: PolicyNotice[];
}

/** `value op threshold`: the comparison every rule and condition makes (the offline replay's too). */
export function compare(value: number, op: RuleOp, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
  }
}

/** Whether the snapshot is still inside `check.warmup` (see README: step < batches / epoch < epochs). */
export function inWarmup(policy: Policy, snapshot: MetricSnapshot): boolean {
  const w = policy.check.warmup;
  return 'batches' in w ? snapshot.step < w.batches : snapshot.epoch < w.epochs;
}

/**
 * The `nonfinite` reading of a check: 1 when any value in the snapshot is NaN or ±Infinity, or
 * when the snapshot itself reports `nonfinite` > 0; otherwise 0.
 */
export function nonfiniteValue(snapshot: MetricSnapshot): number {
  // `for…in`, not `Object.entries`: no array per value (a check has ≈ 20), at every check.
  const values = snapshot.values;
  for (const key in values) {
    const v = values[key];
    if (typeof v === 'number' && !Number.isFinite(v)) return 1;
    if (key === 'nonfinite' && typeof v === 'number' && v > 0) return 1;
  }
  return 0;
}

/**
 * Whether one of the rule's `unless` conditions holds at this snapshot. A condition whose value
 * (or, relative to the baseline, baseline value) is null, missing or non-finite is ignored: an
 * exception must never silence a rule for lack of data.
 */
export function excepted(rule: Rule, snapshot: MetricSnapshot, baseline: Readonly<Record<string, number | null>> | null): boolean {
  for (const c of rule.unless) {
    const key = c.layer === undefined ? c.metric : `${c.metric}@${c.layer}`;
    const v = snapshot.values[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    let t = c.threshold;
    if (c.relativeTo === 'baseline') {
      const b = baseline?.[key];
      if (typeof b !== 'number' || !Number.isFinite(b)) continue;
      t += b;
    }
    if (compare(v, c.op, t)) return true;
  }
  return false;
}

function ruleKey(rule: Rule): string {
  return rule.layer === undefined ? rule.metric : `${rule.metric}@${rule.layer}`;
}

type Reading = { value: number } | { code: PolicyNoticeCode; message: string };

function read(rule: Rule, key: string, snapshot: MetricSnapshot, nonfinite: number): Reading {
  if (rule.metric === 'nonfinite') return { value: nonfinite };
  if (!Object.prototype.hasOwnProperty.call(snapshot.values, key)) {
    return {
      code: 'metric-missing',
      message: `rule \`${rule.name}\`: metric \`${key}\` is not in the snapshot at step ${snapshot.step}; the rule is skipped until it appears`,
    };
  }
  const v = snapshot.values[key];
  if (v === null || v === undefined) {
    return {
      code: 'metric-null',
      message: `rule \`${rule.name}\`: metric \`${key}\` is null (not computable) at step ${snapshot.step}; the rule is skipped until it has a value`,
    };
  }
  if (!Number.isFinite(v)) {
    return {
      code: 'metric-nonfinite',
      message: `rule \`${rule.name}\`: metric \`${key}\` is ${v} at step ${snapshot.step}; counted as a \`nonfinite\` breach, this rule is skipped`,
    };
  }
  return { value: v };
}

/**
 * Evaluate every rule of `policy` against one check's snapshot. Pure: same inputs, same outputs,
 * nothing mutated. Semantics (README "Evaluation semantics"):
 * - a rule's condition is `value op threshold`, with threshold = baseline + offset for
 *   `relativeTo: baseline`; it fires on every check where the condition has held for at least
 *   `for` consecutive checks (the guard de-duplicates actions per firing episode);
 * - during warmup conditions are still counted, but nothing fires;
 * - a null, missing or non-finite value (or a missing baseline) skips the rule for that check:
 *   its count is left unchanged, and one notice is emitted when the episode starts;
 * - any NaN/±Infinity in the snapshot makes `nonfinite` read 1.
 */
export function evaluatePolicy(policy: Policy, state: PolicyState, snapshot: MetricSnapshot): PolicyEvaluation {
  const decisions: Decision[] = [];
  const notices: PolicyNotice[] = [];
  const consecutive: Record<string, number> = { ...state.consecutive };
  const unevaluable: Record<string, PolicyNoticeCode> = { ...state.unevaluable };
  const warming = inWarmup(policy, snapshot);
  const nonfinite = nonfiniteValue(snapshot);

  for (const rule of policy.rules) {
    const key = ruleKey(rule);
    let reading = read(rule, key, snapshot, nonfinite);
    let baseline: number | null = null;
    if ('value' in reading && rule.relativeTo === 'baseline') {
      const b = state.baseline?.[key];
      if (typeof b === 'number' && Number.isFinite(b)) baseline = b;
      else
        reading = {
          code: 'baseline-missing',
          message: `rule \`${rule.name}\`: no finite baseline value for \`${key}\` (${state.baseline === null ? 'no baseline snapshot' : `baseline is ${b === undefined ? 'missing' : String(b)}`}); this baseline-relative rule cannot fire`,
        };
    }
    if (!('value' in reading)) {
      if (unevaluable[rule.name] !== reading.code) notices.push({ code: reading.code, rule: rule.name, metric: key, message: reading.message });
      unevaluable[rule.name] = reading.code;
      continue;
    }
    delete unevaluable[rule.name];
    const threshold = baseline === null ? rule.threshold : baseline + rule.threshold;
    const holds = compare(reading.value, rule.op, threshold) && !excepted(rule, snapshot, state.baseline);
    const count = holds ? (consecutive[rule.name] ?? 0) + 1 : 0;
    consecutive[rule.name] = count;
    if (count === 0 || count < rule.for || warming) continue;
    // Built field by field in the order a spread gave (`layer` after `metric`, `actionOptions` after
    // `actions`), without the temporary objects of conditional spreads: this runs at most checks.
    const d: Record<string, unknown> = { rule: rule.name, metric: key };
    if (rule.layer !== undefined) d.layer = rule.layer;
    d.value = reading.value;
    d.threshold = threshold;
    d.op = rule.op;
    d.severity = rule.severity;
    d.actions = rule.actions;
    if (rule.actionOptions !== undefined) d.actionOptions = rule.actionOptions;
    d.step = snapshot.step;
    d.epoch = snapshot.epoch;
    d.consecutive = count;
    d.annotations = rule.annotations;
    d.summary = formatDecisionSummary(rule, key, reading.value, threshold, baseline, count, snapshot.step);
    decisions.push(Object.freeze(d) as unknown as Decision);
  }
  const next: PolicyState = Object.freeze({
    checks: state.checks + 1,
    consecutive: Object.freeze(consecutive),
    baseline: state.baseline,
    unevaluable: Object.freeze(unevaluable),
  });
  return { decisions, state: next, notices };
}
