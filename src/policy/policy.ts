/**
 * A check schedule: how often (or after how much training) something happens. Exactly one unit,
 * so a reviewer never has to guess whether `25` meant batches or epochs.
 */
export type Schedule = { readonly batches: number } | { readonly epochs: number };

/** Comparison operators a rule may use; the metric value is on the left. */
export type RuleOp = '<' | '<=' | '>' | '>=';

/** How loud a fired rule is; the guard logs at the matching level and puts it in every event. */
export type Severity = 'info' | 'warning' | 'critical';

/**
 * A condition on one metric at the same check: `metric` (of `layer`, or aggregated) `op`
 * `threshold` (plus the baseline value with `relativeTo: baseline`).
 */
export interface RuleCondition {
  /** A registered metric name (see `listMetrics()`), without any `@layer` suffix. */
  readonly metric: string;
  /** Read the per-layer value `metric@layer` instead of the aggregate over watched layers. */
  readonly layer?: string;
  readonly op: RuleOp;
  /** Absolute threshold, or an offset added to the baseline value when `relativeTo` is `baseline`. */
  readonly threshold: number;
  /** `baseline`: effective threshold = baseline value of the same key + `threshold`. */
  readonly relativeTo: 'absolute' | 'baseline';
}

/**
 * One threshold rule of a policy: "when `metric` (optionally of one `layer`) `op` `threshold` holds
 * for `for` consecutive checks, run `actions`".
 */
export interface Rule extends RuleCondition {
  /** Unique within the resolved policy; `extends` merges rules by this name. */
  readonly name: string;
  /** Consecutive checks the condition must hold before the rule fires (>= 1). */
  readonly for: number;
  /**
   * Exceptions: at a check where any of these holds, the rule's condition counts as not holding
   * (its `for` count restarts). One whose metric is null or missing at that check is ignored, so an
   * exception never silences a rule for lack of data. Empty = none.
   */
  readonly unless: readonly RuleCondition[];
  readonly severity: Severity;
  /** Registered action names (see `listActions()`), run in this order by the guard. */
  readonly actions: readonly string[];
  /**
   * Parameters set for some of the actions (`actions: [{ mix: { step: 0.1 } }]`), by action name,
   * with the registered defaults filled in; absent when no listed action has parameters.
   */
  readonly actionOptions?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Free text for humans (e.g. `summary`, `runbook`), copied into every decision. */
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * A validated, fully resolved (`extends` merged, defaults filled) and deeply frozen policy.
 * Produced only by `parsePolicy` / `loadPolicy` / `loadBundledPolicy` / `defaultPolicy`.
 */
export interface Policy {
  readonly version: 1;
  /** Where it came from: a file path, `<bundled:NAME>` or `<text>`. */
  readonly source: string;
  readonly check: {
    /** How often the guard captures probes and evaluates the rules. */
    readonly every: Schedule;
    /** No rule fires while training is before this point (see README, evaluation semantics). */
    readonly warmup: Schedule;
    /** `auto` lets the guard pick the layers; a list names them exactly. */
    readonly layers: 'auto' | readonly string[];
    /** Rank k of the delta subspace. */
    readonly rank: number;
    /** How a sequence layer's `[n, t, d]` activations become `[n, d]`. */
    readonly pooling: 'last' | 'mean';
    /** Probe batch size for the capture forward pass. */
    readonly batchSize: number;
  };
  readonly rules: readonly Rule[];
  readonly checkpoint: {
    /** Periodic checkpoint every N checks while no rule fires; `null` = only when an action asks. */
    readonly every: { readonly checks: number } | null;
    /** How many periodic checkpoints to retain (oldest deleted first). */
    readonly keep: number;
    /** Also retain the best checkpoint by this metric key (`metric` or `metric@layer`). */
    readonly keepBest: { readonly metric: string; readonly mode: 'min' | 'max' } | null;
  };
}
