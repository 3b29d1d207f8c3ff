import type { Decision } from './decision.js';
import type { Policy } from './policy.js';

/**
 * Whether a run under `policy` keeps safe checkpoints at all: when a rule can roll back or
 * checkpoints are periodic. The pre-training weights are then the first safe one. The guard and
 * the offline replay (`replayPolicy`) both read this, so the replay's rollback targets are the
 * guard's.
 */
export function keepsSafeCheckpoints(policy: Policy): boolean {
  return policy.checkpoint.every !== null || policy.rules.some((r) => r.actions.includes('rollback'));
}

/**
 * Whether check number `checkNumber` (1-based) writes a periodic safe checkpoint: it is its turn
 * under `checkpoint.every`, and no warning or critical rule decided at it. (Nothing is written
 * after the run stopped; the caller knows whether it did.)
 */
export function periodicSafeCheckpointDue(policy: Policy, checkNumber: number, decisions: readonly Decision[]): boolean {
  const every = policy.checkpoint.every;
  return every !== null && checkNumber % every.checks === 0 && !decisions.some((d) => d.severity !== 'info');
}
