import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { BACKEND_PREFERENCE } from '../backend/selectBackend.js';
import { assertRedisReachable, QueueUrlError } from '../sweep/queueUrl.js';
import { startQueueWorker } from '../sweep/runQueueWorker.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_FAILURE, EXIT_OK } from './exitCodes.js';
import { parseCliArgs } from './parseCliArgs.js';
import { queueArgument } from './queueArgument.js';

const HELP = `Usage: em-guard worker --queue redis://host:port[/db] [--concurrency N] [--backend wasm|tfjs-node|tfjs-node-gpu] [--work-dir DIR]

Takes runs of sweeps enqueued with \`em-guard sweep <sweep.yaml> --queue ...\` and executes each as
the local pool does (one child process per run, the sweep's timeoutSeconds), in
<work-dir>/<sweep>/<runId>/. A finished run's run.jsonl, result.json and worker.log go back through
Redis to the coordinating \`em-guard sweep\`; checkpoints stay here. A failed run is retried by the
queue with backoff (any worker), then recorded failed. Start as many workers, on as many machines,
as you like; stop one with SIGTERM or Ctrl-C: its runs are handed back to the queue at once.

Flags:
  --queue <url>        the Redis the sweep was enqueued on (required)
  --concurrency <n>    runs at once in this worker (default 1; about one per core)
  --backend <b>        tfjs backend of organism runs: ${BACKEND_PREFERENCE.join(', ')} (default: best available)
  --work-dir <dir>     where runs execute (default: <tmp>/em-guard-worker)
  --stalled-seconds <s> a worker that dies holding a run loses it after this long; the run goes
                       back to the queue (default 30)
  -h, --help           show this help

Exit codes: 0 stopped by a signal after handing back its runs; 1 Redis unreachable at start; 2 bad input.`;

/** `em-guard worker`: executes queued sweep runs on this machine. */
export const workerCommand: Command = {
  name: 'worker',
  async run(argv, io) {
    const { values, positionals } = parseCliArgs(
      'worker',
      argv,
      {
        queue: { type: 'string' },
        concurrency: { type: 'string' },
        backend: { type: 'string' },
        'work-dir': { type: 'string' },
        'stalled-seconds': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      true,
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    if (positionals.length > 0)
      throw new CliError(
        `em-guard worker: expected no positional arguments, got \`${positionals.join(' ')}\`. Usage: em-guard worker --queue redis://host:port`,
      );
    const queue = queueArgument('worker', values.queue);
    const int = (name: string, raw: string | undefined, min: number): number | undefined => {
      if (raw === undefined) return undefined;
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v) || v < min || (name === 'concurrency' && !Number.isInteger(v)))
        throw new CliError(`em-guard worker: expected \`--${name}\` to be ${name === 'concurrency' ? 'an integer' : 'a number'} >= ${min}, got \`${raw}\``);
      return v;
    };
    const concurrency = int('concurrency', values.concurrency, 1) ?? 1;
    const stalledSeconds = int('stalled-seconds', values['stalled-seconds'], 1) ?? 30;
    if (values.backend !== undefined) {
      if (!(BACKEND_PREFERENCE as readonly string[]).includes(values.backend))
        throw new CliError(`em-guard worker: expected \`--backend\` to be one of ${BACKEND_PREFERENCE.join(', ')}, got \`${values.backend}\``);
      // Read by selectBackend() in every run's child process.
      process.env.EM_GUARD_BACKEND = values.backend;
    }
    const workDir =
      values['work-dir'] === undefined
        ? join(tmpdir(), 'em-guard-worker')
        : isAbsolute(values['work-dir'])
          ? values['work-dir']
          : resolve(io.cwd, values['work-dir']);
    try {
      await assertRedisReachable(queue);
    } catch (e) {
      if (e instanceof QueueUrlError) throw new CliError(`em-guard worker: ${e.message}`, EXIT_FAILURE);
      throw e;
    }
    const w = startQueueWorker(queue, { concurrency, workDir, stalledMs: stalledSeconds * 1000, log: (line) => io.stdout(`worker ${process.pid}: ${line}`) });
    await w.worker.waitUntilReady();
    io.stdout(`worker ${process.pid}: ${w.name} taking runs from ${queue.display} (concurrency ${concurrency}, runs in ${workDir})`);
    await new Promise<void>((resolvePromise) => {
      const stop = (sig: string) => {
        io.stdout(`worker ${process.pid}: ${sig}: handing back running runs and stopping`);
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        resolvePromise();
      };
      const onTerm = () => stop('SIGTERM');
      const onInt = () => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
    await w.close();
    io.stdout(`worker ${process.pid}: stopped`);
    return EXIT_OK;
  },
};
