import { createHash } from 'node:crypto';
import type { SweepRunConfig } from './sweepConfig.js';

/** What a queued run carries: the resolved run config (its `runDir` is the coordinator's) and its timeout. */
export interface SweepJobData {
  run: SweepRunConfig;
  timeoutSeconds: number;
  /** `host:pid` of the `em-guard sweep` that enqueued it, for sweep-status. */
  enqueuedBy: string;
}

/** What a worker returns for a finished run: the run directory's files, gzipped and base64-encoded. */
export interface SweepJobResult {
  runId: string;
  /** `host:pid` of the worker that ran it. */
  worker: string;
  durationMs: number;
  /** `run.jsonl`, `result.json`, `worker.log` of the run (checkpoints stay with the worker). */
  files: Record<string, string>;
}

/** Progress a worker reports while a run trains: the last step its `run.jsonl` reached. */
export interface SweepJobProgress {
  step: number;
  checks: number;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/**
 * The BullMQ job id of a run: a hash of its resolved configuration (settings, target, policy,
 * limit and the coordinator's run directory), so enqueueing the same sweep twice adds nothing and
 * the same settings written to another directory are a different run. `index` (the position in
 * the matrix) is left out: adding a value to a matrix must not re-run the cells it already had.
 * BullMQ refuses ids that are integers or contain `:`, hence the prefix and hex.
 */
export function runJobId(run: SweepRunConfig): string {
  const { index: _index, ...resolved } = run;
  return `run-${createHash('sha256')
    .update(JSON.stringify(canonical(resolved)))
    .digest('hex')
    .slice(0, 32)}`;
}

/**
 * One line for a run's error: its first line (how the run process ended) plus the first line of
 * the log tail that says what went wrong (`failed: Error: ...`), skipping stack frames.
 */
export function runErrorLine(error: string): string {
  const lines = error.split('\n');
  const first = lines[0] ?? '';
  const detail = lines.slice(1).find((l) => /error|failed/i.test(l) && !/^\s*at /.test(l));
  return detail ? `${first}: ${detail.trim()}` : first;
}
