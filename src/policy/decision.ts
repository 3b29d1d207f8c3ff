import type { RuleOp, Severity } from './policy.js';

/**
 * A rule that fired at one check. Plain data: the guard runs `actions` (de-duplicated across the
 * decisions of one check), logs `summary` and emits the whole object as an event.
 */
export interface Decision {
  readonly rule: string;
  /** The snapshot key that was read, e.g. `drift.eval` or `drift.eval@dense_2`. */
  readonly metric: string;
  readonly layer?: string;
  /** The value that breached (always a finite number for a fired rule; 1 for `nonfinite`). */
  readonly value: number | null;
  /** The effective threshold (baseline + offset for baseline-relative rules). */
  readonly threshold: number;
  readonly op: RuleOp;
  readonly severity: Severity;
  readonly actions: readonly string[];
  /** The rule's action parameters, by action name (see `Rule.actionOptions`). */
  readonly actionOptions?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly step: number;
  readonly epoch: number;
  /** How many consecutive checks the condition has held, this one included (>= the rule's `for`). */
  readonly consecutive: number;
  readonly annotations: Readonly<Record<string, string>>;
  /** One human line, e.g. `alignment.score 0.62 < 0.70 (baseline 0.80 − 0.10) for 2 checks at step 150`. */
  readonly summary: string;
}
