import type { Job, Queue } from 'bullmq';
import { runErrorLine, type SweepJobData, type SweepJobProgress, type SweepJobResult } from './sweepJob.js';

/** One run in the queue, for `em-guard sweep-status`. */
export interface QueueRunEntry {
  sweep: string;
  runId: string;
  jobId: string;
  worker?: string;
  progress?: SweepJobProgress;
  /** Tries started so far. */
  attempts: number;
  /** First line of the last failure. */
  error?: string;
}

/** The sweep queue's runs by state. */
export interface SweepQueueStatus {
  counts: { queued: number; running: number; done: number; failed: number };
  runs: { queued: QueueRunEntry[]; running: QueueRunEntry[]; done: QueueRunEntry[]; failed: QueueRunEntry[] };
}

function entry(job: Job<SweepJobData, SweepJobResult>): QueueRunEntry {
  const p = job.progress as SweepJobProgress | number;
  const worker = job.returnvalue?.worker ?? job.processedBy;
  return {
    sweep: job.data.run.sweep,
    runId: job.data.run.runId,
    jobId: job.id ?? '',
    ...(worker ? { worker } : {}),
    ...(typeof p === 'object' && p ? { progress: p } : {}),
    attempts: job.attemptsStarted,
    ...(job.failedReason ? { error: runErrorLine(job.failedReason) } : {}),
  };
}

/**
 * Every run in the queue by state (queued = waiting, delayed for a retry's backoff, or
 * prioritized; running = active; done = completed; failed = failed for good), optionally of one
 * sweep only.
 */
export async function sweepQueueStatus(queue: Queue<SweepJobData, SweepJobResult>, sweep?: string): Promise<SweepQueueStatus> {
  const pick = async (types: Parameters<Queue['getJobs']>[0]) => {
    const jobs = (await queue.getJobs(types, 0, -1)).filter((j): j is Job<SweepJobData, SweepJobResult> => Boolean(j?.data?.run));
    return jobs
      .filter((j) => sweep === undefined || j.data.run.sweep === sweep)
      .map(entry)
      .sort((a, b) => a.sweep.localeCompare(b.sweep) || a.runId.localeCompare(b.runId));
  };
  const runs = {
    queued: await pick(['waiting', 'delayed', 'prioritized', 'waiting-children']),
    running: await pick(['active']),
    done: await pick(['completed']),
    failed: await pick(['failed']),
  };
  return { counts: { queued: runs.queued.length, running: runs.running.length, done: runs.done.length, failed: runs.failed.length }, runs };
}
