import type { MetricSnapshot } from './metricSnapshot.js';
import type { Policy } from './policy.js';
import type { PolicyNoticeCode } from './policyNotice.js';

/**
 * What `evaluatePolicy` remembers between checks: plain frozen data, so a guard can log it, a
 * test can compare it, and a resumed run can restore it.
 */
export interface PolicyState {
  /** Checks evaluated so far. */
  readonly checks: number;
  /** Consecutive checks each rule's condition has held (by rule name; 0 when it did not hold). */
  readonly consecutive: Readonly<Record<string, number>>;
  /** Metric values before fine-tuning (for `relativeTo: baseline`); null when none was given. */
  readonly baseline: Readonly<Record<string, number | null>> | null;
  /** Rules currently unevaluable and the notice already reported for them (reported once per episode). */
  readonly unevaluable: Readonly<Record<string, PolicyNoticeCode>>;
}

/**
 * The state before the first check. `baseline` is the snapshot taken before training (the guard
 * computes it at `onTrainBegin`); without it, baseline-relative rules never fire and say so once.
 */
export function createPolicyState(policy: Policy, baseline?: MetricSnapshot): PolicyState {
  const consecutive: Record<string, number> = {};
  for (const r of policy.rules) consecutive[r.name] = 0;
  return Object.freeze({
    checks: 0,
    consecutive: Object.freeze(consecutive),
    baseline: baseline ? Object.freeze({ ...baseline.values }) : null,
    unevaluable: Object.freeze({}),
  });
}
