import type { CheckpointManifest } from '../checkpoints/CheckpointManifest.js';
import { CheckpointError } from '../checkpoints/CheckpointError.js';
import { checkpointsDir, readIndex } from '../checkpoints/checkpointIndex.js';
import { rankByMetric } from '../checkpoints/selectCheckpoint.js';
import { verifyCheckpoint } from '../checkpoints/verifyCheckpoint.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_FAILURE, EXIT_OK } from './exitCodes.js';
import { parseCliArgs } from './parseCliArgs.js';
import { checkpointCliError, runDirArgument } from './runDirArgument.js';

const HELP = `Usage: em-guard checkpoints <runDir> [--verify] [--json]

Lists the checkpoints of a guarded run (runDir/checkpoints/index.json), oldest first: id, step,
epoch, safe flag, why it was taken, key metric values, and which ones \`latest\`, \`last-safe\` and
\`best\` select (the selectors of \`em-guard rollback --to\`).

Arguments:
  <runDir>    the run directory given to emGuard (holds checkpoints/ and run.jsonl)

Flags:
  --verify    also check every file's size and sha256; damaged checkpoints are marked
  --json      print {"runDir", "best", "checkpoints": [manifest + "tags" (+ "status")]} instead of a table
  -h, --help  show this help

Exit codes: 0 listed; 1 --verify found a damaged checkpoint; 2 bad input (no such run dir, no or
corrupt checkpoint index).`;

const MAX_METRICS = 4;

/** Up to MAX_METRICS metric names to show: the best metric first, then run-level (no `@layer`) ones. */
function keyMetrics(checkpoints: readonly CheckpointManifest[], best: string | undefined): string[] {
  const names = [...new Set(checkpoints.flatMap((c) => Object.keys(c.metrics)))];
  const ordered = [...(best ? [best] : []), ...names.filter((n) => n !== best && !n.includes('@')), ...names.filter((n) => n !== best && n.includes('@'))];
  return [...new Set(ordered)].slice(0, MAX_METRICS);
}

function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `em-guard checkpoints`: what a run can be rolled back to. */
export const checkpointsCommand: Command = {
  name: 'checkpoints',
  async run(argv, io) {
    const { values, positionals } = parseCliArgs(
      'checkpoints',
      argv,
      { verify: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      true,
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    const runDir = runDirArgument('checkpoints', positionals, io);
    let index;
    try {
      index = readIndex(runDir);
    } catch (e) {
      throw checkpointCliError('checkpoints', e);
    }
    if (!index)
      throw new CliError(`em-guard checkpoints: \`${runDir}\` has no checkpoints (no ${checkpointsDir(runDir)}/index.json); was the guard given this runDir?`);
    const list = index.checkpoints;
    const tags = new Map<string, string[]>(list.map((c) => [c.id, []]));
    const tag = (c: CheckpointManifest | undefined, t: string) => c && tags.get(c.id)!.push(t);
    tag(list[list.length - 1], 'latest');
    tag(
      [...list].reverse().find((c) => c.safe),
      'last-safe',
    );
    if (index.best) tag(rankByMetric(list, index.best)[0], 'best');
    const status = new Map<string, string>();
    if (values.verify) {
      for (const c of list) {
        try {
          verifyCheckpoint(runDir, c);
          status.set(c.id, 'ok');
        } catch (e) {
          if (!(e instanceof CheckpointError)) throw e;
          status.set(c.id, `DAMAGED: ${e.message}`);
        }
      }
    }
    const damaged = [...status.values()].filter((s) => s !== 'ok').length;
    if (values.json) {
      io.stdout(
        JSON.stringify({
          runDir,
          best: index.best,
          checkpoints: list.map((c) => ({ ...c, tags: tags.get(c.id), ...(values.verify && { status: status.get(c.id) }) })),
        }),
      );
    } else if (list.length === 0) {
      io.stdout(`${runDir}: no checkpoints in the index`);
    } else {
      const metrics = keyMetrics(list, index.best?.metric);
      const head = ['id', 'step', 'epoch', 'safe', 'reason', ...metrics, 'selected by', ...(values.verify ? ['verified'] : [])];
      const rows = list.map((c) => [
        c.id,
        String(c.step),
        String(c.epoch),
        c.safe ? 'yes' : 'no',
        c.reason,
        ...metrics.map((m) => formatValue(c.metrics[m])),
        tags.get(c.id)!.join(',') || '-',
        ...(values.verify ? [status.get(c.id) === 'ok' ? 'ok' : 'DAMAGED'] : []),
      ]);
      io.stdout(table([head, ...rows]));
      for (const [id, s] of status) if (s !== 'ok') io.stderr(`${id}: ${s}`);
    }
    return damaged > 0 ? EXIT_FAILURE : EXIT_OK;
  },
};
