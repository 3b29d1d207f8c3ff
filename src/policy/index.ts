// The policy module's public surface (re-exported by src/index.ts under `// Policy`).
export type * from './types.js';
export { PolicyError, formatPolicyProblem } from './policyError.js';
export { POLICY_ERROR_CODES } from './policyErrorCodes.js';
export { POLICY_KEYS, POLICY_ENUMS, POLICY_LIMITS, BUNDLED_POLICIES } from './policyKeys.js';
export { POLICY_DEFAULTS } from './policyDefaults.js';
export { MAX_POLICY_BYTES } from './readPolicyYaml.js';
export { parsePolicy, loadPolicy, loadBundledPolicy, defaultPolicy } from './loadPolicy.js';
export type { PolicyLoadOptions } from './parsePolicy.js';
export { createPolicyState, evaluatePolicy, inWarmup, nonfiniteValue } from './evaluatePolicy.js';
export type { PolicyEvaluation } from './evaluatePolicy.js';
export { registerMetric, registerAction, listMetrics, listActions, isKnownMetric, isKnownAction, metricInfo } from './registry.js';
export { describePolicy } from './describePolicy.js';
