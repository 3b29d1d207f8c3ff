import { createPolicyState, evaluatePolicy } from '../policy/evaluatePolicy.js';
import { keepsSafeCheckpoints, periodicSafeCheckpointDue } from '../policy/safeCheckpoints.js';
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
  /**
   * Step of the checkpoint the guard's rollback would restore at that abort (its last safe one:
   * the baseline at step 0, then periodic ones written while no warning/critical rule fired);
   * null without an abort or when the aborting check runs no `rollback` action.
   */
  rollbackStep: number | null;
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
  // The guard's safe checkpoints: the pre-training weights, then the periodic ones.
  let lastSafe: number | null = keepsSafeCheckpoints(policy) ? 0 : null;
  for (const [i, snapshot] of checks.entries()) {
    const r = evaluatePolicy(policy, state, snapshot);
    state = r.state;
    decisions.push(...r.decisions);
    const abort = r.decisions.find((d) => d.actions.includes('abort'));
    if (abort) {
      const rollsBack = r.decisions.some((d) => d.actions.includes('rollback'));
      return { abortStep: snapshot.step, abortCheck: i, abortDecision: abort, decisions, rollbackStep: rollsBack ? lastSafe : null };
    }
    if (periodicSafeCheckpointDue(policy, i + 1, r.decisions)) lastSafe = snapshot.step;
  }
  return { abortStep: null, abortCheck: null, abortDecision: null, decisions, rollbackStep: null };
}
