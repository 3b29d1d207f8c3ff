import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { loadSweepConfig } from '../sweep/parseSweepConfig.js';
import { runSweep } from '../sweep/runSweep.js';
import { SweepConfigError } from '../sweep/SweepConfigError.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_FAILURE, EXIT_OK } from './exitCodes.js';
import { parseCliArgs } from './parseCliArgs.js';
import { queueArgument } from './queueArgument.js';
import { runQueuedSweep } from './runQueuedSweep.js';

const HELP = `Usage: em-guard sweep <sweep.yaml> [--workers N] [--dry-run] [--json]
       em-guard sweep <sweep.yaml> --queue redis://host:port[/db] [--no-wait] [--attempts N] [--backoff S] [--retry-failed]

Runs every cell of the sweep's matrix (optimizer x schedule x learningRate x mix x seed) as its own
child process, at most --workers at once, each in <out>/<runId>/ (config.json, run.jsonl,
result.json, worker.log). Organism runs are watched by emGuard in observe mode (the policy's rules
with their actions stripped) and judged at every check, so every run reaches its end with a true
label. A crash, signal or timeout is recorded in <out>/sweep.jsonl and the sweep goes on.
Re-running resumes: runs with result.json and an \`end\` record are skipped.

Arguments:
  <sweep.yaml>    the sweep file (see configs/sweep-demo.yaml and README "Diagnostics")

Flags:
  --workers <n>   parallel worker processes (default: the file's \`workers\`, else min(2, cores))
  --dry-run       list the runs (planned or already finished) without running anything
  --json          print the summary as JSON
  -h, --help      show this help

Queue (runs on many machines, README "Running a sweep on many machines"):
  --queue <url>   enqueue every run on this Redis (BullMQ) instead of running them here; start
                  \`em-guard worker --queue <url>\` on any machine to execute them. Idempotent: a run
                  already queued, running, finished or failed is not added again. Then follows
                  progress and writes each finished run into <out>/<runId>/ as the local pool does
                  (run.jsonl, result.json, worker.log come back through Redis). Re-running it
                  collects what finished meanwhile.
  --no-wait       enqueue, collect what is finished already, and return
  --attempts <n>  tries per run before it is recorded failed (default 3)
  --backoff <s>   first retry delay in seconds, doubling each retry (default 30)
  --retry-failed  put runs that failed for good back in the queue

Exit codes: 0 every run finished (with --no-wait: enqueued); 1 some run crashed or failed (see
sweep.jsonl); 2 bad input.`;

/** `em-guard sweep`: runs a sweep file's matrix in parallel worker processes. */
export const sweepCommand: Command = {
  name: 'sweep',
  async run(argv, io) {
    const { values, positionals } = parseCliArgs(
      'sweep',
      argv,
      {
        workers: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        queue: { type: 'string' },
        'no-wait': { type: 'boolean', default: false },
        attempts: { type: 'string' },
        backoff: { type: 'string' },
        'retry-failed': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      true,
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    if (positionals.length !== 1)
      throw new CliError(
        `em-guard sweep: expected exactly one sweep file, got ${positionals.length}. Usage: em-guard sweep <sweep.yaml> [--workers N] [--dry-run]`,
      );
    let workers: number | undefined;
    if (values.workers !== undefined) {
      workers = Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1)
        throw new CliError(`em-guard sweep: expected \`--workers\` to be an integer >= 1, got \`${values.workers}\``);
    }
    const file = positionals[0]!;
    let config;
    try {
      config = loadSweepConfig(file, { baseDir: io.cwd, defaultWorkers: Math.min(2, availableParallelism()) });
    } catch (e) {
      if (e instanceof SweepConfigError) throw new CliError(`em-guard sweep: ${e.message}`);
      throw e;
    }
    if (values.queue !== undefined) {
      if (workers !== undefined)
        throw new CliError(
          'em-guard sweep: `--workers` sizes the local pool; with `--queue`, start `em-guard worker --queue ... [--concurrency N]` processes instead',
        );
      const int = (name: string, raw: string | undefined, min: number): number | undefined => {
        if (raw === undefined) return undefined;
        const v = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(v) || v < min || (name === 'attempts' && !Number.isInteger(v)))
          throw new CliError(`em-guard sweep: expected \`--${name}\` to be ${name === 'attempts' ? 'an integer' : 'a number'} >= ${min}, got \`${raw}\``);
        return v;
      };
      return runQueuedSweep(config, io, {
        queue: queueArgument('sweep', values.queue),
        wait: !values['no-wait'],
        dryRun: values['dry-run'],
        json: values.json,
        retryFailed: values['retry-failed'],
        attempts: int('attempts', values.attempts, 1) ?? 3,
        backoffMs: (int('backoff', values.backoff, 0) ?? 30) * 1000,
      });
    }
    for (const flag of ['no-wait', 'attempts', 'backoff', 'retry-failed'] as const) {
      if (values[flag] !== undefined && values[flag] !== false) throw new CliError(`em-guard sweep: \`--${flag}\` only applies with \`--queue redis://...\``);
    }
    const summary = await runSweep(config, {
      ...(workers !== undefined ? { workers } : {}),
      dryRun: values['dry-run'],
      onProgress: values.json
        ? undefined
        : (e) => {
            if (e.phase === 'end' && e.outcome) {
              const o = e.outcome;
              io.stderr(
                `[${e.done}/${e.total}] ${o.runId}: ${o.status}${o.durationMs !== undefined ? ` (${(o.durationMs / 1000).toFixed(1)} s)` : ''}${o.status === 'crashed' ? ` - ${(o.error ?? '').split('\n')[0]}` : ''}`,
              );
            }
          },
    });
    if (values.json) io.stdout(JSON.stringify(summary, null, 2));
    else if (values['dry-run'])
      io.stdout(
        [
          `${summary.runs.length} runs in ${resolve(config.out)} (${summary.skipped} already finished), ${summary.workers} workers:`,
          ...summary.runs.map((r) => `  ${r.status === 'skipped' ? 'done   ' : 'planned'} ${r.runId}`),
        ].join('\n'),
      );
    else
      io.stdout(
        `sweep ${summary.name}: ${summary.ok} ran, ${summary.skipped} skipped (finished before), ${summary.crashed} crashed, in ${(summary.durationMs / 1000).toFixed(1)} s with ${summary.workers} workers -> ${summary.out}${summary.crashed ? ' (see sweep.jsonl)' : ''}`,
      );
    return summary.crashed > 0 ? EXIT_FAILURE : EXIT_OK;
  },
};
