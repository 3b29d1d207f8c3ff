import { Queue } from 'bullmq';
import { hostname } from 'node:os';
import { expandSweepMatrix } from './expandSweepMatrix.js';
import { redisConnection, SWEEP_QUEUE_NAME, type QueueUrl } from './queueUrl.js';
import { isRunFinished } from './runSweep.js';
import type { SweepConfig, SweepRunConfig } from './sweepConfig.js';
import { runJobId, type SweepJobData, type SweepJobResult } from './sweepJob.js';

/** Options of {@link enqueueSweep}. */
export interface EnqueueSweepOptions {
  /** Tries per run before it is recorded failed (BullMQ `attempts`). Default 3. */
  attempts?: number;
  /** First retry delay, ms, doubling each retry (BullMQ exponential backoff). Default 30000. */
  backoffMs?: number;
  /** Put runs that failed for good back in the queue (their attempts start over). Default false. */
  retryFailed?: boolean;
}

/** What {@link enqueueSweep} did, per run. */
export interface EnqueuedRun {
  run: SweepRunConfig;
  jobId: string;
  /** added: new job; queued: already in the queue (any state); retried: failed job put back; local: finished in `out` already. */
  action: 'added' | 'queued' | 'retried' | 'local';
}

/**
 * The sweep queue at `q`, and how to close it: BullMQ leaves a connection it was handed open
 * (it may be shared), so `close` ends ours too, else the process would never exit.
 */
export function openSweepQueue(q: QueueUrl): { queue: Queue<SweepJobData, SweepJobResult>; close: () => Promise<void> } {
  const connection = redisConnection(q);
  // While Redis restarts, ioredis emits an error per reconnect attempt and prints it when nobody
  // listens; the commands themselves wait and the caller's polling reports what fails.
  connection.on('error', () => {});
  const queue = new Queue<SweepJobData, SweepJobResult>(SWEEP_QUEUE_NAME, { connection });
  return {
    queue,
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
}

/**
 * Adds every run of the sweep to the queue, idempotently: the job id is a hash of the run's
 * resolved configuration (`runJobId`), and BullMQ does not add a job whose id it already holds,
 * whether waiting, running, finished or failed. Runs already finished in the sweep's `out` (e.g. by
 * the local pool) are not queued.
 */
export async function enqueueSweep(config: SweepConfig, queue: Queue<SweepJobData, SweepJobResult>, options: EnqueueSweepOptions = {}): Promise<EnqueuedRun[]> {
  const out: EnqueuedRun[] = [];
  const enqueuedBy = `${hostname()}:${process.pid}`;
  for (const run of expandSweepMatrix(config)) {
    const jobId = runJobId(run);
    if (isRunFinished(run.runDir)) {
      out.push({ run, jobId, action: 'local' });
      continue;
    }
    const existing = await queue.getJob(jobId);
    if (existing) {
      if (options.retryFailed && (await existing.getState()) === 'failed') {
        await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        out.push({ run, jobId, action: 'retried' });
      } else out.push({ run, jobId, action: 'queued' });
      continue;
    }
    await queue.add(
      run.runId,
      { run, timeoutSeconds: config.timeoutSeconds, enqueuedBy },
      {
        jobId,
        attempts: Math.max(1, options.attempts ?? 3),
        backoff: { type: 'exponential', delay: options.backoffMs ?? 30000 },
        // Finished and failed jobs stay: they are the sweep's record (results, errors) and what
        // makes a second enqueue a no-op.
        removeOnComplete: false,
        removeOnFail: false,
      },
    );
    out.push({ run, jobId, action: 'added' });
  }
  return out;
}
