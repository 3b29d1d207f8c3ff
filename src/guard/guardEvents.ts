import type { Decision, MetricSnapshot } from '../policy/types.js';

/** Why the guard stopped `fit`: the first rule whose actions included `abort`. */
export interface StopReason {
  rule: string;
  metric: string;
  value: number | null;
  threshold: number;
  step: number;
  epoch: number;
  summary: string;
}

/** Payload of the `check` event. */
export interface CheckEvent extends MetricSnapshot {
  reasons: Record<string, string>;
  timingsMs: Record<string, number>;
}

export interface CheckpointEvent {
  id: string;
  step: number;
  epoch: number;
  safe: boolean;
  reason: string;
}

export interface RollbackEvent {
  to: string;
  toStep: number;
  step: number;
  epoch: number;
}

/**
 * Payload of the `notice` event: something the guard cannot watch, with a stable `code`
 * (`unevaluable-rule`, `unevaluable-exception`, `metric-null`, `metric-missing`,
 * `metric-nonfinite`, `baseline-missing`, `capture-worker-unavailable`, `capture-worker-error`, `activations-nonfinite`).
 */
export interface NoticeEvent {
  code: string;
  message: string;
  step: number;
  epoch: number;
  rule?: string;
  metric?: string;
}

/** The guard's typed events: `guard.on('breach', (d) => ...)`. */
export interface EmGuardEvents {
  check: (e: CheckEvent) => void;
  breach: (d: Decision) => void;
  checkpoint: (e: CheckpointEvent) => void;
  abort: (r: StopReason) => void;
  rollback: (e: RollbackEvent) => void;
  notice: (n: NoticeEvent) => void;
}

/** Time spent by the guard in one `fit`, in ms, by phase. */
export interface GuardTimings {
  checks: number;
  capture: number;
  metrics: number;
  policy: number;
  io: number;
  total: number;
}
