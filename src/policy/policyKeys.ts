/**
 * Every key the policy format has, per mapping. The validator rejects anything else (a typo must
 * never silently disable a rule), and a test checks `configs/policy.schema.json` against this list.
 */
export const POLICY_KEYS = {
  root: ['version', 'extends', 'check', 'rules', 'checkpoint'],
  check: ['every', 'warmup', 'layers', 'rank', 'pooling', 'batchSize'],
  schedule: ['batches', 'epochs'],
  rule: ['name', 'enabled', 'metric', 'layer', 'op', 'threshold', 'relativeTo', 'for', 'unless', 'severity', 'actions', 'annotations'],
  condition: ['metric', 'layer', 'op', 'threshold', 'relativeTo'],
  checkpoint: ['every', 'keep', 'keepBest'],
  checkpointEvery: ['checks'],
  keepBest: ['metric', 'mode'],
} as const;

/** Values of the enumerated keys. */
export const POLICY_ENUMS = {
  op: ['<', '<=', '>', '>='],
  relativeTo: ['absolute', 'baseline'],
  severity: ['info', 'warning', 'critical'],
  pooling: ['last', 'mean'],
  mode: ['min', 'max'],
} as const;

/** Names of the policies in `configs/` that `extends` and `loadBundledPolicy` accept. */
export const BUNDLED_POLICIES = ['default', 'strict', 'observe', 'mitigate', 'lm', 'mitigate-lm'] as const;

/** Bounds of the numeric keys (inclusive), shown in error messages and the README. */
export const POLICY_LIMITS = {
  every: { min: 1, max: 1_000_000 },
  warmup: { min: 0, max: 1_000_000 },
  rank: { min: 1, max: 1024 },
  batchSize: { min: 1, max: 65_536 },
  for: { min: 1, max: 1000 },
  checkpointEvery: { min: 1, max: 1_000_000 },
  keep: { min: 1, max: 1000 },
} as const;
