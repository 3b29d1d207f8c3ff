/**
 * One line of `runDir/run.jsonl`. The guard writes it, reports and offline analysis read it.
 * Every record has `type`, `time` (ISO 8601) and `runId`; `step` is the global batch count
 * (batches completed since `fit` began, across epochs), `epoch` is 0-based.
 */
export type RunLogRecord =
  StartRecord | BaselineRecord | CheckRecord | DecisionRecord | CheckpointRecord | AbortRecord | RollbackRecord | JudgeRecord | NoticeRecord | EndRecord;

interface Base {
  time: string;
  runId: string;
}

/** Written at `onTrainBegin`. */
export interface StartRecord extends Base {
  type: 'start';
  /** Policy file (or `<bundled:default>`) and its rules, so a report can draw thresholds. */
  policy: {
    source: string;
    rules: {
      name: string;
      metric: string;
      layer?: string;
      op: string;
      threshold: number;
      relativeTo: string;
      severity: string;
      unless?: { metric: string; layer?: string; op: string; threshold: number; relativeTo: string }[];
    }[];
  };
  layers: string[];
  backend: string;
  probes: Record<string, number>;
  meta?: Record<string, unknown>;
}

/** Metric values of the unmodified model, before the first training step. */
export interface BaselineRecord extends Base {
  type: 'baseline';
  step: number;
  epoch: number;
  values: Record<string, number | null>;
}

/** One check: every metric value (`metric` aggregated over layers, `metric@layer` per layer). */
export interface CheckRecord extends Base {
  type: 'check';
  step: number;
  epoch: number;
  values: Record<string, number | null>;
  /** Why a metric is null, e.g. `{"subspace.overlap@dense_1": "delta is zero"}`. */
  reasons?: Record<string, string>;
  timingsMs?: Record<string, number>;
}

/** A rule fired. */
export interface DecisionRecord extends Base {
  type: 'decision';
  step: number;
  epoch: number;
  rule: string;
  metric: string;
  layer?: string;
  value: number | null;
  threshold: number;
  op: string;
  severity: 'info' | 'warning' | 'critical';
  actions: string[];
  summary: string;
}

export interface CheckpointRecord extends Base {
  type: 'checkpoint';
  step: number;
  epoch: number;
  id: string;
  safe: boolean;
  reason: string;
  path?: string;
}

export interface AbortRecord extends Base {
  type: 'abort';
  step: number;
  epoch: number;
  rule: string;
  metric: string;
  value: number | null;
  threshold: number;
  summary: string;
}

export interface RollbackRecord extends Base {
  type: 'rollback';
  step: number;
  epoch: number;
  /** Checkpoint id restored, or `memory:<step>` for an in-memory snapshot. */
  to: string;
  toStep: number;
  /** `fit` for the in-training rollback, `cli` for `em-guard rollback`. */
  by: 'fit' | 'cli';
  out?: string;
}

/** Ground truth from outside the guard (the organism's judge), for reports and detection analysis. */
export interface JudgeRecord extends Base {
  type: 'judge';
  step: number;
  epoch: number;
  values: Record<string, number>;
  /** Generations the judge read at this step (language-model organisms), shown by the report. */
  samples?: JudgeSample[];
}

/** One generated answer and the judge's label for it. */
export interface JudgeSample {
  prompt: string;
  response: string;
  label: string;
  /** Sampling temperature (0 = greedy). */
  temperature?: number;
}

/**
 * Something the guard could not watch: a rule or exception unevaluable for the whole fit
 * (`unevaluable-rule`, `unevaluable-exception`, at the start), a rule skipped at a check
 * (`metric-null`, `metric-missing`, `metric-nonfinite`, `baseline-missing`, once per episode), or
 * checks that cannot use the capture worker (`capture-worker-unavailable`, `capture-worker-error`),
 * or a check whose captured activations were not finite (`activations-nonfinite`: it reads `nonfinite` = 1).
 */
export interface NoticeRecord extends Base {
  type: 'notice';
  step: number;
  epoch: number;
  code: string;
  message: string;
  rule?: string;
  metric?: string;
}

export interface EndRecord extends Base {
  type: 'end';
  step: number;
  epoch: number;
  stopped: boolean;
  stopReason: { rule: string; metric: string; value: number | null; threshold: number; step: number; epoch: number } | null;
}
