import { openSweepQueue } from '../sweep/enqueueSweep.js';
import { assertRedisReachable, QueueUrlError } from '../sweep/queueUrl.js';
import { sweepQueueStatus, type QueueRunEntry } from '../sweep/sweepQueueStatus.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_FAILURE, EXIT_OK } from './exitCodes.js';
import { parseCliArgs } from './parseCliArgs.js';
import { queueArgument } from './queueArgument.js';

const HELP = `Usage: em-guard sweep-status --queue redis://host:port[/db] [--sweep NAME] [--json]

Counts and lists the runs in the sweep queue: queued (waiting, or waiting out a retry's backoff),
running (with the worker and the step it reached), done (with the worker that ran it) and failed
(with the first line of the error, after all attempts).

Flags:
  --queue <url>   the Redis the sweep was enqueued on (required)
  --sweep <name>  only the runs of this sweep (its \`name\`)
  --json          print everything as JSON
  -h, --help      show this help

Exit codes: 0 listed; 1 Redis unreachable; 2 bad input.`;

function line(r: QueueRunEntry): string {
  const extra = [r.worker ? `on ${r.worker}` : '', r.progress ? `step ${r.progress.step}` : '', r.attempts > 1 ? `attempts ${r.attempts}` : '']
    .filter(Boolean)
    .join(', ');
  return `    ${r.sweep}/${r.runId}${extra ? ` (${extra})` : ''}${r.error ? ` - ${r.error}` : ''}`;
}

/** `em-guard sweep-status`: the queue's runs by state. */
export const sweepStatusCommand: Command = {
  name: 'sweep-status',
  async run(argv, io) {
    const { values, positionals } = parseCliArgs(
      'sweep-status',
      argv,
      {
        queue: { type: 'string' },
        sweep: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      true,
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    if (positionals.length > 0)
      throw new CliError(`em-guard sweep-status: expected no positional arguments, got \`${positionals.join(' ')}\`; give the sweep's name with --sweep`);
    const q = queueArgument('sweep-status', values.queue);
    try {
      await assertRedisReachable(q);
    } catch (e) {
      if (e instanceof QueueUrlError) throw new CliError(`em-guard sweep-status: ${e.message}`, EXIT_FAILURE);
      throw e;
    }
    const { queue, close } = openSweepQueue(q);
    try {
      const status = await sweepQueueStatus(queue, values.sweep);
      if (values.json) io.stdout(JSON.stringify(status, null, 2));
      else {
        const c = status.counts;
        const out = [
          `${q.display}${values.sweep ? ` sweep ${values.sweep}` : ''}: ${c.queued} queued, ${c.running} running, ${c.done} done, ${c.failed} failed`,
        ];
        for (const state of ['running', 'queued', 'failed', 'done'] as const) {
          if (status.runs[state].length === 0) continue;
          out.push(`  ${state}:`, ...status.runs[state].map(line));
        }
        io.stdout(out.join('\n'));
      }
    } finally {
      await close();
    }
    return EXIT_OK;
  },
};
