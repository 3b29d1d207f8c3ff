import { Worker, WaitingError, type Job } from 'bullmq';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RUN_LOG_FILE } from '../runlog/RunLog.js';
import { redisConnection, SWEEP_QUEUE_NAME, type QueueUrl } from './queueUrl.js';
import { runSweepRun } from './runSweep.js';
import type { SweepJobData, SweepJobProgress, SweepJobResult } from './sweepJob.js';
import { RUN_RESULT_FILE, WORKER_LOG_FILE } from './sweepRunResult.js';

/** Files of a finished run that travel back to the coordinator. */
export const RETURNED_RUN_FILES = [RUN_LOG_FILE, RUN_RESULT_FILE, WORKER_LOG_FILE] as const;

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions {
  /** Runs at once in this worker (each its own process). Default 1. */
  concurrency?: number;
  /** Where runs execute: `<workDir>/<sweep>/<runId>/` (kept after success: checkpoints stay here). */
  workDir: string;
  /**
   * Lock duration and stalled-check interval, ms. A worker that dies holding a run loses its lock
   * after this long and the next stalled check (by any worker) puts the run back in the queue.
   * Default 30000 (BullMQ's default).
   */
  stalledMs?: number;
  /** How often the progress of a running run is reported, ms. Default 2000. */
  progressMs?: number;
  /** One line per event (start, end, failure, hand-back, Redis trouble). */
  log?: (line: string) => void;
}

/** A running queue worker. */
export interface QueueWorker {
  /** `host:pid`, recorded on every run it finishes. */
  name: string;
  worker: Worker<SweepJobData, SweepJobResult>;
  /**
   * Stops taking runs, kills the runs in progress and hands them back to the queue (another worker
   * starts them from scratch at once), then closes the Redis connections.
   */
  close(): Promise<void>;
}

function lastProgress(runLog: string): SweepJobProgress | null {
  if (!existsSync(runLog)) return null;
  let step = 0;
  let checks = 0;
  for (const line of readFileSync(runLog, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as { type?: string; step?: number };
      if (typeof r.step === 'number') step = Math.max(step, r.step);
      if (r.type === 'check') checks++;
    } catch {
      // The line being written right now: read it next time.
    }
  }
  return { step, checks };
}

/**
 * Takes runs from the sweep queue at `queue` and executes each exactly as the local pool does
 * (`runSweepRun`: one child process per run, the sweep's timeout), in a fresh directory of this
 * machine; a finished run's `run.jsonl`, `result.json` and `worker.log` go back through Redis as
 * the job's result. A failed run throws, so BullMQ retries it with the job's backoff until its
 * attempts are used up, then records it failed with the error.
 */
export function startQueueWorker(queue: QueueUrl, options: QueueWorkerOptions): QueueWorker {
  const name = `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => {});
  const stalledMs = options.stalledMs ?? 30000;
  let closing = false;
  const processor = async (job: Job<SweepJobData, SweepJobResult>, token?: string, signal?: AbortSignal): Promise<SweepJobResult> => {
    const handBack = async (): Promise<never> => {
      await job.moveToWait(token);
      log(`handed back ${job.data.run.runId}`);
      throw new WaitingError();
    };
    if (closing) return handBack();
    const { run, timeoutSeconds } = job.data;
    const dir = join(options.workDir, run.sweep, run.runId);
    // Whatever an earlier attempt left here is partial: start clean, never mix two attempts.
    rmSync(dir, { recursive: true, force: true });
    log(`start ${run.runId} (job ${job.id}, attempt ${job.attemptsStarted}) in ${dir}`);
    let reported = -1;
    const timer = setInterval(() => {
      const p = lastProgress(join(dir, RUN_LOG_FILE));
      if (p && p.step !== reported) {
        reported = p.step;
        job.updateProgress(p).catch(() => {}); // progress is best effort; Redis may be restarting
      }
    }, options.progressMs ?? 2000);
    let outcome;
    try {
      outcome = await runSweepRun({ ...run, runDir: dir }, timeoutSeconds * 1000, signal);
    } finally {
      clearInterval(timer);
    }
    if (signal?.aborted || closing) return handBack();
    if (outcome.status !== 'ok') {
      log(`failed ${run.runId} (attempt ${job.attemptsStarted}): ${(outcome.error ?? '').split('\n')[0]}`);
      throw new Error(outcome.error ?? 'the run failed');
    }
    const files: Record<string, string> = {};
    for (const f of RETURNED_RUN_FILES) {
      const path = join(dir, f);
      if (existsSync(path)) files[f] = gzipSync(readFileSync(path)).toString('base64');
    }
    log(`done ${run.runId} in ${((outcome.durationMs ?? 0) / 1000).toFixed(1)} s`);
    return { runId: run.runId, worker: name, durationMs: outcome.durationMs ?? 0, files };
  };
  const connection = redisConnection(queue);
  const worker = new Worker<SweepJobData, SweepJobResult>(SWEEP_QUEUE_NAME, processor, {
    connection,
    name,
    concurrency: Math.max(1, options.concurrency ?? 1),
    lockDuration: stalledMs,
    stalledInterval: stalledMs,
    // Recovered twice; a run that stalls a third time is most likely what kills its workers: fail it.
    maxStalledCount: 2,
  });
  let lastError = 0;
  worker.on('error', (e) => {
    // Redis restarting or unreachable: ioredis retries on its own; say so at most every 5 s.
    if (Date.now() - lastError > 5000) log(`redis ${queue.display}: ${e.message} (retrying)`);
    lastError = Date.now();
  });
  return {
    name,
    worker,
    async close() {
      closing = true;
      worker.cancelAllJobs('worker shutting down');
      await worker.close();
      connection.disconnect(); // BullMQ leaves a connection it was handed open
    },
  };
}
