/** Why a rule could not be evaluated at a check. */
export type PolicyNoticeCode = 'metric-null' | 'metric-missing' | 'metric-nonfinite' | 'baseline-missing';

/**
 * Something a reviewer should know about a check that is not a breach: a rule could not be
 * evaluated. Reported once when the condition starts (not at every check), so logs stay readable.
 */
export interface PolicyNotice {
  readonly code: PolicyNoticeCode;
  readonly rule: string;
  /** The snapshot key involved (the rule's key, or its baseline key). */
  readonly metric: string;
  readonly message: string;
}
