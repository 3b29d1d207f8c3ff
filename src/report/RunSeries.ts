import type { DecisionRecord, EndRecord, JudgeSample, NoticeRecord } from '../runlog/runLogRecord.js';

/** One check's value of one metric; `null` (not computed, e.g. a zero delta) draws as a gap. */
export interface SeriesPoint {
  step: number;
  value: number | null;
}

/** A policy rule's threshold as an absolute number on the metric's axis. */
export interface ThresholdLine {
  rule: string;
  op: string;
  severity: string;
  /** The absolute value drawn: `threshold`, or `baseline + threshold` when `relativeTo: baseline`. */
  value: number;
  /** The rule's `threshold` as written in the policy. */
  threshold: number;
  relativeTo: string;
  /** The baseline value a relative threshold was resolved with. */
  baseline: number | null;
}

/** A run of consecutive checks on which a rule fired (one decision per check). */
export interface FiringWindow {
  rule: string;
  metricKey: string;
  severity: string;
  fromStep: number;
  toStep: number;
  /** Number of decisions in the window. */
  count: number;
  actions: string[];
  summary: string;
  op: string;
  /** The absolute threshold the guard compared with (from the decisions). */
  threshold: number;
  firstValue: number | null;
  lastValue: number | null;
}

/** Something that happened at one step: drawn as a vertical line on every chart of the run. */
export interface RunMarker {
  kind: 'checkpoint' | 'abort' | 'rollback';
  step: number;
  /** One line for the tooltip. */
  label: string;
  /** For a rollback: the step whose weights were restored (drawn as an arrow back to it). */
  toStep?: number;
}

/** The values of one metric over the run, with everything the policy says about it. */
export interface MetricSeries {
  /** `metric` (aggregate over layers) or `metric@layer`. */
  key: string;
  metric: string;
  layer: string | null;
  points: SeriesPoint[];
  baseline: number | null;
  thresholds: ThresholdLine[];
  windows: FiringWindow[];
  /** Why values were null (from `check.reasons`), with how many checks gave each reason. */
  nullReasons: { reason: string; count: number }[];
}

/** Ground truth from the judge (e.g. `organism.misalignedRate`) over steps. */
export interface JudgeSeries {
  key: string;
  points: SeriesPoint[];
}

/** A rule whose threshold could not be placed on an axis, and why (shown in the report). */
export interface UnresolvedThreshold {
  rule: string;
  metricKey: string;
  reason: string;
}

/**
 * One run's `run.jsonl` normalised for drawing: series per metric, thresholds resolved to absolute
 * values, firing windows, markers and the judge's ground truth. Built by `buildRunSeries`.
 */
export interface RunSeries {
  /** The file it was read from (or a caller-given name). */
  source: string;
  runId: string;
  /** `start.meta.label` when present, else the run id: the legend entry. */
  label: string;
  policySource: string | null;
  backend: string | null;
  layers: string[];
  probes: Record<string, number>;
  meta: Record<string, unknown>;
  startTime: string | null;
  endTime: string | null;
  /** `null` when the log has no `end` record (the run crashed or is still going). */
  end: Pick<EndRecord, 'step' | 'epoch' | 'stopped' | 'stopReason'> | null;
  /** Step of the baseline record (values of the unmodified model), if any. */
  baselineStep: number | null;
  /** Steps of every check, in order. */
  checkSteps: number[];
  /** Largest step seen in any record. */
  lastStep: number;
  /** Aggregate metrics first, then per-layer ones; each in order of first appearance. */
  metrics: MetricSeries[];
  judge: JudgeSeries[];
  /** Generations the judge read, by step (judge records with `samples`). */
  generations: { step: number; samples: JudgeSample[] }[];
  markers: RunMarker[];
  decisions: DecisionRecord[];
  /** What the guard could not watch (`notice` records), in log order. */
  notices: NoticeRecord[];
  unresolved: UnresolvedThreshold[];
}
