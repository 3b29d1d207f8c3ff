import type { Policy } from './policy.js';

/**
 * Values a key takes when no file in the `extends` chain sets it. Kept in one place so the README
 * table and the code cannot disagree (a test compares them).
 */
export const POLICY_DEFAULTS = {
  check: {
    every: { batches: 25 },
    warmup: { batches: 0 },
    layers: 'auto',
    rank: 8,
    pooling: 'last',
    batchSize: 256,
  },
  rule: {
    enabled: true,
    relativeTo: 'absolute',
    for: 1,
    severity: 'warning',
    annotations: {},
  },
  checkpoint: {
    every: null,
    keep: 3,
    keepBest: null,
  },
} as const satisfies { check: Policy['check']; checkpoint: Policy['checkpoint']; rule: object };
