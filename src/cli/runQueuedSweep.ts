import { resolve } from 'node:path';
import { enqueueSweep, openSweepQueue } from '../sweep/enqueueSweep.js';
import { followQueuedSweep, type QueuedRunStatus } from '../sweep/followQueuedSweep.js';
import { expandSweepMatrix } from '../sweep/expandSweepMatrix.js';
import { assertRedisReachable, QueueUrlError, type QueueUrl } from '../sweep/queueUrl.js';
import { isRunFinished } from '../sweep/runSweep.js';
import type { SweepConfig } from '../sweep/sweepConfig.js';
import { runErrorLine, runJobId } from '../sweep/sweepJob.js';
import { CliError } from './cliError.js';
import type { CliIo } from './cliIo.js';
import { EXIT_FAILURE, EXIT_OK } from './exitCodes.js';

/** Options of `em-guard sweep --queue`. */
export interface QueuedSweepArgs {
  queue: QueueUrl;
  wait: boolean;
  dryRun: boolean;
  json: boolean;
  retryFailed: boolean;
  attempts: number;
  backoffMs: number;
}

function bar(runs: QueuedRunStatus[], width = 24): string {
  const ended = runs.filter((r) => r.state === 'done' || r.state === 'skipped' || r.state === 'failed').length;
  const filled = runs.length === 0 ? width : Math.round((ended / runs.length) * width);
  const n = (s: QueuedRunStatus['state']) => runs.filter((r) => r.state === s).length;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${ended}/${runs.length} (${n('done') + n('skipped')} done, ${n('running')} running, ${n('queued')} queued, ${n('failed')} failed)`;
}

/** `em-guard sweep <file> --queue <url>`: enqueue, then follow and collect (the CLI shell of enqueueSweep + followQueuedSweep). */
export async function runQueuedSweep(config: SweepConfig, io: CliIo, args: QueuedSweepArgs): Promise<number> {
  if (args.dryRun) {
    const runs = expandSweepMatrix(config);
    io.stdout(
      [
        `${runs.length} runs in ${resolve(config.out)} to enqueue on ${args.queue.display} (nothing sent):`,
        ...runs.map((r) => `  ${isRunFinished(r.runDir) ? 'done   ' : 'planned'} ${r.runId} (job ${runJobId(r)})`),
      ].join('\n'),
    );
    return EXIT_OK;
  }
  try {
    await assertRedisReachable(args.queue);
  } catch (e) {
    if (e instanceof QueueUrlError) throw new CliError(`em-guard sweep: ${e.message}`, EXIT_FAILURE);
    throw e;
  }
  const { queue, close } = openSweepQueue(args.queue);
  try {
    const enqueued = await enqueueSweep(config, queue, { attempts: args.attempts, backoffMs: args.backoffMs, retryFailed: args.retryFailed });
    const n = (a: string) => enqueued.filter((e) => e.action === a).length;
    io.stderr(
      `sweep ${config.name}: ${n('added')} runs added to ${args.queue.display}, ${n('queued')} already there, ${n('retried')} failed runs put back, ${n('local')} finished in ${config.out} already`,
    );
    let lastError = '';
    const summary = await followQueuedSweep(config, queue, enqueued, {
      wait: args.wait,
      onChange: args.json
        ? undefined
        : (e) => {
            if ('error' in e) {
              if (e.error !== lastError) io.stderr(`sweep ${config.name}: redis: ${e.error} (retrying)`);
              lastError = e.error;
              return;
            }
            lastError = '';
            const r = e.run;
            const what =
              r.state === 'done'
                ? `done on ${r.worker} (${((r.durationMs ?? 0) / 1000).toFixed(1)} s${(r.attempts ?? 1) > 1 ? `, attempt ${r.attempts}` : ''})`
                : r.state === 'failed'
                  ? `FAILED after ${r.attempts ?? '?'} attempts - ${runErrorLine(r.error ?? '')}`
                  : r.state === 'running'
                    ? `running on ${r.worker ?? '?'}${r.progress ? `, step ${r.progress.step}` : ''}`
                    : r.state;
            io.stderr(`${bar(e.runs)} ${r.runId}: ${what}`);
          },
    });
    if (args.json) io.stdout(JSON.stringify(summary, null, 2));
    else if (summary.pending > 0)
      io.stdout(
        `sweep ${summary.name}: ${summary.done} collected, ${summary.skipped} finished before, ${summary.failed} failed, ${summary.pending} still queued or running on ${args.queue.display} -> ${summary.out} (re-run this command, or \`em-guard sweep-status --queue ${args.queue.display}\`)`,
      );
    else
      io.stdout(
        `sweep ${summary.name}: ${summary.done} ran on queue workers, ${summary.skipped} skipped (finished before), ${summary.failed} failed, in ${(summary.durationMs / 1000).toFixed(1)} s -> ${summary.out}${summary.failed ? ' (see sweep.jsonl)' : ''}`,
      );
    return summary.failed > 0 ? EXIT_FAILURE : EXIT_OK;
  } finally {
    await close();
  }
}
