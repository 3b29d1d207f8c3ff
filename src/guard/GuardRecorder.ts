import { EventEmitter } from 'eventemitter3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Decision, Policy } from '../policy/types.js';
import { RunLog, RUN_LOG_FILE } from '../runlog/RunLog.js';
import type { CheckEvent, CheckpointEvent, EmGuardEvents, NoticeEvent, RollbackEvent, StopReason } from './guardEvents.js';

/** A run id: `<UTC timestamp>-<6 hex>`, in every log line and run-log record of the run. */
export function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
}

function levelFor(severity: Decision['severity']): 'info' | 'warn' | 'error' {
  return severity === 'critical' ? 'error' : severity === 'warning' ? 'warn' : 'info';
}

/**
 * The one place a guard event is told: each method writes the run-log record, the pino line and
 * the typed event of one happening together, so the three never disagree.
 */
export class GuardRecorder {
  readonly events = new EventEmitter<EmGuardEvents>();
  logger: Logger;
  runDir: string | null = null;
  private runLog: RunLog | null = null;
  private readonly baseLogger: Logger;

  constructor(baseLogger: Logger) {
    this.baseLogger = baseLogger;
    this.logger = baseLogger.child({ component: 'em-guard' });
  }

  /** Starts a run: its log lines carry `runId`; records go to `<runDir>/run.jsonl` (none without a run dir). */
  beginRun(runId: string, runDir: string | null): void {
    this.runDir = runDir;
    // A check's records go to the OS in one write (`coalesce`), and those of checks where only
    // `check` and `decision` records come wait for the next write (`deferTypes`: ≈ one write per
    // `RUN_LOG_SYNC_DELAY_MS` instead of one per check; what a hard kill can lose then: RunLog's
    // comment); `end` flushes them before `fit` resolves.
    this.runLog = runDir ? new RunLog(join(runDir, RUN_LOG_FILE), runId, { coalesce: true, deferTypes: ['check', 'decision'] }) : null;
    this.logger = this.baseLogger.child({ component: 'em-guard', runId });
  }

  emit<E extends keyof EmGuardEvents>(event: E, ...payload: Parameters<EmGuardEvents[E]>): void {
    try {
      (this.events.emit as (e: E, ...p: unknown[]) => boolean)(event, ...payload);
    } catch (e) {
      // A listener's bug must not break training; report it and go on.
      this.logger.error({ event: 'listener-error', listenerEvent: event, err: e }, `em-guard: a '${event}' listener threw: ${(e as Error).message}`);
    }
  }

  start(policy: Policy, layers: string[], backend: string, probes: Record<string, number>, meta: Record<string, unknown> | undefined): void {
    this.runLog?.append({
      type: 'start',
      policy: {
        source: policy.source,
        rules: policy.rules.map((r) => ({
          name: r.name,
          metric: r.metric,
          ...(r.layer ? { layer: r.layer } : {}),
          op: r.op,
          threshold: r.threshold,
          relativeTo: r.relativeTo,
          severity: r.severity,
          ...(r.unless.length ? { unless: r.unless.map((c) => ({ ...c })) } : {}),
        })),
      },
      layers,
      backend,
      probes,
      ...(meta ? { meta } : {}),
    });
    this.logger.info(
      { event: 'start', layers, policy: policy.source, runDir: this.runDir, probes, backend },
      `em-guard watching ${layers.join(', ')} with policy ${policy.source}`,
    );
  }

  baseline(values: Record<string, number | null>): void {
    this.runLog?.append({ type: 'baseline', step: 0, epoch: 0, values });
  }

  check(snapshot: CheckEvent): void {
    this.runLog?.append({
      type: 'check',
      step: snapshot.step,
      epoch: snapshot.epoch,
      values: snapshot.values,
      reasons: snapshot.reasons,
      timingsMs: snapshot.timingsMs,
    });
    this.emit('check', snapshot);
  }

  decision(d: Decision): void {
    this.runLog?.append({
      type: 'decision',
      step: d.step,
      epoch: d.epoch,
      rule: d.rule,
      metric: d.metric,
      ...(d.layer ? { layer: d.layer } : {}),
      value: d.value,
      threshold: d.threshold,
      op: d.op,
      severity: d.severity,
      actions: [...d.actions],
      summary: d.summary,
    });
    this.logger[levelFor(d.severity)](
      {
        event: 'decision',
        rule: d.rule,
        metric: d.metric,
        value: d.value,
        threshold: d.threshold,
        step: d.step,
        epoch: d.epoch,
        layer: d.layer ?? null,
        severity: d.severity,
        actions: d.actions,
        runDir: this.runDir,
      },
      d.summary,
    );
    this.emit('breach', d);
  }

  abort(reason: StopReason, d: Decision): void {
    this.runLog?.append({
      type: 'abort',
      step: d.step,
      epoch: d.epoch,
      rule: d.rule,
      metric: d.metric,
      value: d.value,
      threshold: d.threshold,
      summary: d.summary,
    });
    this.logger.error(
      {
        event: 'abort',
        rule: d.rule,
        metric: d.metric,
        value: d.value,
        threshold: d.threshold,
        step: d.step,
        epoch: d.epoch,
        layer: d.layer ?? null,
        severity: d.severity,
        runDir: this.runDir,
      },
      `em-guard aborted training at step ${d.step} (epoch ${d.epoch}): ${d.summary} [rule ${d.rule}]`,
    );
    this.emit('abort', reason);
  }

  checkpoint(e: CheckpointEvent): void {
    this.runLog?.append({
      type: 'checkpoint',
      step: e.step,
      epoch: e.epoch,
      id: e.id,
      safe: e.safe,
      reason: e.reason,
      ...(this.runDir ? { path: join(this.runDir, 'checkpoints', e.id) } : {}),
    });
    this.logger.info(
      { event: 'checkpoint', id: e.id, step: e.step, epoch: e.epoch, safe: e.safe, reason: e.reason, runDir: this.runDir },
      `em-guard checkpoint ${e.id} (${e.safe ? 'safe' : 'unsafe'}): ${e.reason}`,
    );
    this.emit('checkpoint', { ...e });
  }

  rollback(e: RollbackEvent, reason: string): void {
    this.runLog?.append({ type: 'rollback', step: e.step, epoch: e.epoch, to: e.to, toStep: e.toStep, by: 'fit' });
    this.logger.warn(
      { event: 'rollback', to: e.to, toStep: e.toStep, step: e.step, epoch: e.epoch, reason, runDir: this.runDir },
      `em-guard rolled the model back to ${e.to} (step ${e.toStep}): ${reason}`,
    );
    this.emit('rollback', e);
  }

  /** The run's last record and line; resolves once the run log is durable. */
  async end(step: number, epoch: number, stopReason: StopReason | null, checks: number, guardMs: number): Promise<void> {
    const s = stopReason;
    this.runLog?.append({
      type: 'end',
      step,
      epoch,
      stopped: s !== null,
      stopReason: s ? { rule: s.rule, metric: s.metric, value: s.value, threshold: s.threshold, step: s.step, epoch: s.epoch } : null,
    });
    await this.runLog?.flush();
    this.logger.info(
      { event: 'end', step, epoch, stopped: s !== null, checks, guardMs: Math.round(guardMs) },
      s ? `em-guard stopped the run at step ${s.step}` : `em-guard: run finished, ${checks} checks, no abort`,
    );
  }

  /** Something the guard cannot watch: a `warn` line with its code, a `notice` record and event. */
  notice(n: NoticeEvent, fields: Record<string, unknown> = {}): void {
    this.runLog?.append({
      type: 'notice',
      step: n.step,
      epoch: n.epoch,
      code: n.code,
      message: n.message,
      ...(n.rule ? { rule: n.rule } : {}),
      ...(n.metric ? { metric: n.metric } : {}),
    });
    this.logger.warn(
      { event: 'notice', code: n.code, step: n.step, epoch: n.epoch, rule: n.rule ?? null, metric: n.metric ?? null, runDir: this.runDir, ...fields },
      `em-guard: ${n.message}`,
    );
    this.emit('notice', { ...n });
  }

  /** A failure inside the guard that training survives (a metric, an action, a background write). */
  error(fields: Record<string, unknown> & { event: string }, message: string): void {
    this.logger.error(fields, message);
  }
}
