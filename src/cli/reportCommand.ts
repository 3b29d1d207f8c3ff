import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/writeFileAtomic.js';
import { loadRunsForReport } from '../report/loadRunForReport.js';
import { renderRunReport } from '../report/renderRunReport.js';
import type { RunSeries } from '../report/RunSeries.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_OK } from './exitCodes.js';
import { parseCliArgs } from './parseCliArgs.js';

const HELP = `Usage: em-guard report <runDir...> [--out file.html] [--json]

Writes a self-contained HTML report (inline SVG, no scripts, no network) of one or more guarded
runs: every metric over steps with its policy threshold, shaded windows where a rule fired, markers
for checkpoints, abort and rollback, and the judge's ground truth. Two or more runs are overlaid in
the same charts (legend: start.meta.label, else the run id).

Arguments:
  <runDir...>     run directories written by emGuard (each holds run.jsonl), or .jsonl files

Flags:
  --out <file>    where to write the HTML (default: <first runDir>/report.html)
  --json          print {"out", "runs": [...]} as JSON instead of the path
  --judge-limit <key=value>
                  draw a limit on a judge chart, e.g. organism.misalignedRate=0.2 (repeatable)
  -h, --help      show this help

Exit codes: 0 written; 2 bad input (missing run.jsonl, unparsable line: the message names file:line).`;

/** `em-guard report`: renders run logs to one HTML file and prints its path. */
export const reportCommand: Command = {
  name: 'report',
  async run(argv, io) {
    const { values, positionals } = parseCliArgs(
      'report',
      argv,
      {
        out: { type: 'string' },
        'judge-limit': { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      true,
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    if (positionals.length === 0) {
      throw new CliError('em-guard report: expected at least one run directory, got none. Usage: em-guard report <runDir...> [--out file.html]');
    }
    const runDirs = positionals.map((p) => (isAbsolute(p) ? p : resolve(io.cwd, p)));
    const runs: RunSeries[] = runDirs.flatMap((dir) => {
      try {
        return loadRunsForReport(dir);
      } catch (e) {
        throw new CliError(`em-guard report: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    const first = runDirs[0] ?? io.cwd;
    const firstDir = existsSync(first) && statSync(first).isFile() ? dirname(first) : first;
    const out = values.out === undefined ? join(firstDir, 'report.html') : isAbsolute(values.out) ? values.out : resolve(io.cwd, values.out);
    if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) {
      throw new CliError(`em-guard report: cannot write ${out}: directory ${dirname(out)} does not exist; create it or choose another --out`);
    }
    writeFileAtomic(out, renderRunReport(runs, { judgeLimits: parseJudgeLimits(values['judge-limit'] ?? []) }));
    if (values.json) {
      io.stdout(JSON.stringify({ out, runs: runs.map(runSummary) }, null, 2));
    } else {
      io.stdout(out);
    }
    return EXIT_OK;
  },
};

function parseJudgeLimits(items: string[]): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const item of items) {
    const eq = item.lastIndexOf('=');
    const value = eq > 0 ? Number(item.slice(eq + 1)) : NaN;
    if (eq <= 0 || item.slice(eq + 1).trim() === '' || !Number.isFinite(value)) {
      throw new CliError(`em-guard report: expected \`--judge-limit\` as key=number (e.g. organism.misalignedRate=0.2), got \`${item}\``);
    }
    limits[item.slice(0, eq)] = value;
  }
  return limits;
}

function runSummary(run: RunSeries) {
  return {
    runId: run.runId,
    label: run.label,
    source: run.source,
    policy: run.policySource,
    backend: run.backend,
    checks: run.checkSteps.length,
    lastStep: run.lastStep,
    stopped: run.end?.stopped ?? null,
    stopReason: run.end?.stopReason ?? null,
    decisions: run.decisions.length,
    markers: run.markers.map((m) => ({ kind: m.kind, step: m.step })),
    metrics: run.metrics.map((m) => m.key),
    judge: Object.fromEntries(run.judge.map((j) => [j.key, [...j.points].reverse().find((p) => p.value !== null)?.value ?? null])),
  };
}
