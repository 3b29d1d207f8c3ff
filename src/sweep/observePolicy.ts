import type { Policy } from '../policy/types.js';

/**
 * The policy with every rule's actions removed and periodic checkpoints off, checking every
 * `checkEvery` batches (default: the policy's own schedule): the guard records every metric and
 * decision but never stops the run, so each sweep run reaches its end and gets a true label (the
 * real policy is replayed offline), and the demo's unguarded run shows what would have fired.
 */
export function observePolicy(policy: Policy, checkEvery?: number): Policy {
  return Object.freeze({
    ...policy,
    source: `${policy.source} (observe: actions stripped)`,
    check: checkEvery === undefined ? policy.check : Object.freeze({ ...policy.check, every: Object.freeze({ batches: checkEvery }) }),
    rules: Object.freeze(policy.rules.map((r) => Object.freeze({ ...r, actions: Object.freeze([] as string[]) }))),
    checkpoint: Object.freeze({ ...policy.checkpoint, every: null }),
  });
}
