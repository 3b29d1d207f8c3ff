import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { loadSweepConfig } from '../sweep/parseSweepConfig.js';
import { runSweep } from '../sweep/runSweep.js';
import { SweepConfigError } from '../sweep/SweepConfigError.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_FAILURE, EXIT_OK } from './exitCodes.js';
import { parseCliArgs } from './parseCliArgs.js';

const HELP = `Usage: em-guard sweep <sweep.yaml> [--workers N] [--dry-run] [--json]

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

Exit codes: 0 every run finished; 1 some run crashed (see sweep.jsonl); 2 bad input.`;

/** `em-guard sweep`: runs a sweep file's matrix in parallel worker processes. */
export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'Run a matrix of fine-tuning runs (optimizer, schedule, lr, mix, seed) in worker processes',
  async run(argv, io) {
    const { values, positionals } = parseCliArgs('sweep', argv, {
      workers: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    }, true);
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new CliError(`em-guard sweep: expected exactly one sweep file, got ${positionals.length}. Usage: em-guard sweep <sweep.yaml> [--workers N] [--dry-run]`);
    let workers: number | undefined;
    if (values.workers !== undefined) {
      workers = Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1) throw new CliError(`em-guard sweep: expected \`--workers\` to be an integer >= 1, got \`${values.workers}\``);
    }
    const file = positionals[0]!;
    let config;
    try {
      config = loadSweepConfig(file, { baseDir: io.cwd, defaultWorkers: Math.min(2, availableParallelism()) });
    } catch (e) {
      if (e instanceof SweepConfigError) throw new CliError(`em-guard sweep: ${e.message}`);
      throw e;
    }
    const summary = await runSweep(config, {
      ...(workers !== undefined ? { workers } : {}),
      dryRun: values['dry-run'],
      onProgress: values.json ? undefined : (e) => {
        if (e.phase === 'end' && e.outcome) {
          const o = e.outcome;
          io.stderr(`[${e.done}/${e.total}] ${o.runId}: ${o.status}${o.durationMs !== undefined ? ` (${(o.durationMs / 1000).toFixed(1)} s)` : ''}${o.status === 'crashed' ? ` - ${(o.error ?? '').split('\n')[0]}` : ''}`);
        }
      },
    });
    if (values.json) io.stdout(JSON.stringify(summary, null, 2));
    else if (values['dry-run']) io.stdout([`${summary.runs.length} runs in ${resolve(config.out)} (${summary.skipped} already finished), ${summary.workers} workers:`, ...summary.runs.map((r) => `  ${r.status === 'skipped' ? 'done   ' : 'planned'} ${r.runId}`)].join('\n'));
    else io.stdout(`sweep ${summary.name}: ${summary.ok} ran, ${summary.skipped} skipped (finished before), ${summary.crashed} crashed, in ${(summary.durationMs / 1000).toFixed(1)} s with ${summary.workers} workers -> ${summary.out}${summary.crashed ? ' (see sweep.jsonl)' : ''}`);
    return summary.crashed > 0 ? EXIT_FAILURE : EXIT_OK;
  },
};
