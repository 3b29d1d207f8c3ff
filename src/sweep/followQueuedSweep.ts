import type { Queue } from 'bullmq';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeFileAtomic } from '../io/writeFileAtomic.js';
import { RUN_LOG_FILE } from '../runlog/RunLog.js';
import type { EnqueuedRun } from './enqueueSweep.js';
import { isRunFinished } from './runSweep.js';
import type { SweepConfig, SweepRunConfig } from './sweepConfig.js';
import type { SweepJobData, SweepJobProgress, SweepJobResult } from './sweepJob.js';
import { RUN_CONFIG_FILE, RUN_RESULT_FILE, SWEEP_LOG_FILE, WORKER_LOG_FILE } from './sweepRunResult.js';

/** Where a queued run stands, as the coordinator sees it. */
export type QueuedRunState = 'queued' | 'running' | 'done' | 'failed' | 'skipped';

/** One run of a queued sweep. */
export interface QueuedRunStatus {
  runId: string;
  jobId: string;
  state: QueuedRunState;
  worker?: string;
  progress?: SweepJobProgress;
  attempts?: number;
  durationMs?: number;
  error?: string;
}

/** Options of {@link followQueuedSweep}. */
export interface FollowQueuedSweepOptions {
  /** Keep polling until every run is done or failed (default); false: collect what is finished and return. */
  wait?: boolean;
  /** Poll interval, ms. Default 1000. */
  pollMs?: number;
  /** Called whenever a run changes state (and once per poll error). */
  onChange?: (event: { run: QueuedRunStatus; runs: QueuedRunStatus[] } | { error: string }) => void;
}

/** What {@link followQueuedSweep} saw. */
export interface QueuedSweepSummary {
  name: string;
  out: string;
  runs: QueuedRunStatus[];
  done: number;
  skipped: number;
  failed: number;
  pending: number;
  durationMs: number;
}

/**
 * Writes a finished run's files into its directory on this machine, each atomically and
 * `result.json` last: the run counts as finished (`isRunFinished`) only once all of it is there.
 */
export function writeReturnedRun(run: SweepRunConfig, result: SweepJobResult): void {
  const files = result?.files ?? {};
  if (!files[RUN_LOG_FILE] || !files[RUN_RESULT_FILE]) throw new Error(`${run.runId}: the worker's result lacks ${RUN_LOG_FILE} or ${RUN_RESULT_FILE}`);
  mkdirSync(run.runDir, { recursive: true });
  const text = (name: string) => gunzipSync(Buffer.from(files[name]!, 'base64'));
  writeFileAtomic(join(run.runDir, RUN_CONFIG_FILE), JSON.stringify(run, null, 2));
  if (files[WORKER_LOG_FILE]) writeFileAtomic(join(run.runDir, WORKER_LOG_FILE), text(WORKER_LOG_FILE));
  writeFileAtomic(join(run.runDir, RUN_LOG_FILE), text(RUN_LOG_FILE));
  writeFileAtomic(join(run.runDir, RUN_RESULT_FILE), text(RUN_RESULT_FILE));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows the enqueued runs of a sweep: polls each job's state, and as each finishes writes its
 * returned files into `<out>/<runId>/` (so `analyze-runs` reads a queued sweep exactly like a local
 * one) and appends one `run` record to `<out>/sweep.jsonl`. Each run is collected once: a run
 * already finished in `out` is skipped. Redis errors (a restart) are reported and polling goes on.
 */
export async function followQueuedSweep(
  config: SweepConfig,
  queue: Queue<SweepJobData, SweepJobResult>,
  enqueued: EnqueuedRun[],
  options: FollowQueuedSweepOptions = {},
): Promise<QueuedSweepSummary> {
  const started = Date.now();
  mkdirSync(config.out, { recursive: true });
  const sweepLog = join(config.out, SWEEP_LOG_FILE);
  const log = (record: Record<string, unknown>) => appendFileSync(sweepLog, JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
  log({ type: 'start', name: config.name, runs: enqueued.length, queue: true, file: config.file });
  const runs: QueuedRunStatus[] = enqueued.map((e) => ({ runId: e.run.runId, jobId: e.jobId, state: 'queued' }));
  const ended = (s: QueuedRunState) => s === 'done' || s === 'failed' || s === 'skipped';
  const change = (i: number, next: Partial<QueuedRunStatus>) => {
    const before = JSON.stringify(runs[i]);
    runs[i] = { ...runs[i]!, ...next };
    if (JSON.stringify(runs[i]) !== before) options.onChange?.({ run: runs[i]!, runs });
  };
  enqueued.forEach((e, i) => {
    if (isRunFinished(e.run.runDir)) {
      change(i, { state: 'skipped' });
      log({ type: 'run', runId: e.run.runId, status: 'skipped' });
    }
  });
  for (;;) {
    try {
      for (let i = 0; i < enqueued.length; i++) {
        if (ended(runs[i]!.state)) continue;
        const { run, jobId } = enqueued[i]!;
        // State first, then the job: read the other way round, a job that completes in between
        // reads as completed with the return value of its active self (none).
        const state = await queue.getJobState(jobId);
        const job = state === 'unknown' ? undefined : await queue.getJob(jobId);
        if (!job) {
          change(i, { state: 'failed', error: 'the job is gone from the queue (removed, or Redis lost its data); enqueue the sweep again' });
          log({ type: 'run', runId: run.runId, status: 'crashed', error: runs[i]!.error });
          continue;
        }
        if (state === 'completed') {
          const result = job.returnvalue;
          try {
            writeReturnedRun(run, result);
          } catch (e) {
            // A result this coordinator cannot write (unexpected shape, disk full) must end the run, not loop.
            const error = `could not write the returned run into ${run.runDir}: ${e instanceof Error ? e.message : String(e)}`;
            change(i, { state: 'failed', error });
            log({ type: 'run', runId: run.runId, status: 'crashed', error, jobId });
            continue;
          }
          change(i, { state: 'done', worker: result.worker, durationMs: result.durationMs, attempts: job.attemptsStarted });
          log({ type: 'run', runId: run.runId, status: 'ok', worker: result.worker, durationMs: result.durationMs, attempts: job.attemptsStarted, jobId });
        } else if (state === 'failed') {
          change(i, { state: 'failed', error: job.failedReason, attempts: job.attemptsMade });
          log({ type: 'run', runId: run.runId, status: 'crashed', error: job.failedReason, attempts: job.attemptsMade, jobId });
        } else if (state === 'active') {
          const p = job.progress as SweepJobProgress | number;
          change(i, { state: 'running', ...(job.processedBy ? { worker: job.processedBy } : {}), ...(typeof p === 'object' && p ? { progress: p } : {}) });
        } else change(i, { state: 'queued' });
      }
    } catch (e) {
      options.onChange?.({ error: e instanceof Error ? e.message : String(e) });
    }
    if (options.wait === false || runs.every((r) => ended(r.state))) break;
    await sleep(options.pollMs ?? 1000);
  }
  const count = (s: QueuedRunState) => runs.filter((r) => r.state === s).length;
  const summary: QueuedSweepSummary = {
    name: config.name,
    out: config.out,
    runs,
    done: count('done'),
    skipped: count('skipped'),
    failed: count('failed'),
    pending: count('queued') + count('running'),
    durationMs: Date.now() - started,
  };
  log({ type: 'end', ok: summary.done, skipped: summary.skipped, crashed: summary.failed, pending: summary.pending, durationMs: summary.durationMs });
  return summary;
}
