// The policy module's data types in one import (the guard and plugins import from here).
export type { Policy, Rule, RuleCondition, RuleOp, Schedule, Severity } from './policy.js';
export type { MetricSnapshot } from './metricSnapshot.js';
export type { Decision } from './decision.js';
export type { PolicyNotice, PolicyNoticeCode } from './policyNotice.js';
export type { PolicyState } from './policyState.js';
export type { PolicyProblem } from './policyError.js';
export type { PolicyErrorCode } from './policyErrorCodes.js';
export type { MetricInfo, ActionInfo } from './registry.js';
