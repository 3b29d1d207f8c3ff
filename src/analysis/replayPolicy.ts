import { createPolicyState, evaluatePolicy } from '../policy/evaluatePolicy.js';
import type { Decision, MetricSnapshot, Policy } from '../policy/types.js';

/** What a policy would have done on a recorded run. */
export interface PolicyReplay {
  /** Step and check index (0-based, into the checks given) of the first decision with `abort`, or null. */
  abortStep: number | null;
  abortCheck: number | null;
  /** That decision. */
  abortDecision: Decision | null;
  /** Every decision, in order. */
  decisions: Decision[];
}

/**
 * Replays `policy` on recorded check snapshots with the run's baseline, exactly as the guard
 * evaluates it (`evaluatePolicy`, pure): the first decision whose actions include `abort` is where
 * the guard would have stopped. Runs recorded in observe mode go on past that point, so the same
 * run also tells what happened afterwards.
 */
export function replayPolicy(policy: Policy, baseline: Record<string, number | null> | null, checks: readonly MetricSnapshot[]): PolicyReplay {
  let state = createPolicyState(policy, baseline ? { step: 0, epoch: 0, values: baseline } : undefined);
  const decisions: Decision[] = [];
  for (const [i, snapshot] of checks.entries()) {
    const r = evaluatePolicy(policy, state, snapshot);
    state = r.state;
    decisions.push(...r.decisions);
    const abort = r.decisions.find((d) => d.actions.includes('abort'));
    if (abort) return { abortStep: snapshot.step, abortCheck: i, abortDecision: abort, decisions };
  }
  return { abortStep: null, abortCheck: null, abortDecision: null, decisions };
}
