import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { checkpointsDir } from '../checkpoints/checkpointIndex.js';
import { materializeCheckpoint, rollbackTargetProblem } from '../checkpoints/materializeCheckpoint.js';
import { resolveCheckpoint } from '../checkpoints/resolveCheckpoint.js';
import { readRunLog, RUN_LOG_FILE, RunLog } from '../runlog/RunLog.js';
import type { RunLogRecord } from '../runlog/runLogRecord.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_OK } from './exitCodes.js';
import { parseCliArgs } from './parseCliArgs.js';
import { checkpointCliError, runDirArgument } from './runDirArgument.js';

const HELP = `Usage: em-guard rollback <runDir> [--to last-safe|best|latest|<id>] [--out <dir>] [--dry-run] [--fallback] [--json]

Verifies a checkpoint of a guarded run (size and sha256 of every file) and writes it as a standalone
tfjs model directory (model.json + weights.bin, loadable by tf.loadLayersModel / tfjs-node's file://,
plus manifest.json and a rollback.json marker), then records a "rollback" line in runDir/run.jsonl.

Arguments:
  <runDir>          the run directory given to emGuard (holds checkpoints/ and run.jsonl)

Flags:
  --to <selector>   which checkpoint: last-safe (default), best, latest, or an id from
                    \`em-guard checkpoints <runDir>\`
  --out <dir>       where to write the model (default <runDir>/rollback). A relative path is
                    resolved against the current directory. An existing directory is replaced only
                    if it is empty or an earlier rollback; the run dir itself and checkpoints/ are refused.
  --dry-run         verify and print what would be done; write nothing
  --fallback        if the selected checkpoint is damaged, use the previous intact candidate
  --json            print one JSON object {dryRun, checkpoint, out, skipped, logged} instead of text
  -h, --help        show this help

Exit codes: 0 done (or would be done); 2 bad input: no such run dir, unknown or malformed id,
damaged checkpoint (the message names the file), refused --out.`;

const SELECTORS = ['last-safe', 'best', 'latest'];

/** True when `child` is `parent` or lies under it. */
function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** runId and the latest step/epoch of the run log (the moment the rollback applies to), if any. */
function runLogFacts(runDir: string): { runId: string; step?: number; epoch?: number; warning?: string } {
  const path = join(runDir, RUN_LOG_FILE);
  if (!existsSync(path)) return { runId: basename(runDir) };
  let records: RunLogRecord[];
  try {
    records = readRunLog(path);
  } catch (e) {
    return { runId: basename(runDir), warning: `run log unreadable, the rollback record uses the dir name as runId (${(e as Error).message})` };
  }
  const last = [...records].reverse().find((r) => 'step' in r && typeof r.step === 'number') as { step: number; epoch: number } | undefined;
  return { runId: records[0]?.runId ?? basename(runDir), ...(last && { step: last.step, epoch: last.epoch }) };
}

/** `em-guard rollback`: turn a verified checkpoint back into a model a user can load. */
export const rollbackCommand: Command = {
  name: 'rollback',
  async run(argv, io) {
    const { values, positionals } = parseCliArgs(
      'rollback',
      argv,
      {
        to: { type: 'string' },
        out: { type: 'string' },
        'dry-run': { type: 'boolean' },
        fallback: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      true,
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    const runDir = runDirArgument('rollback', positionals, io);
    const selector = values.to ?? 'last-safe';
    if (selector === '') throw new CliError(`em-guard rollback: --to needs a value: one of ${SELECTORS.join(', ')} or a checkpoint id`);
    const out = values.out === undefined ? join(runDir, 'rollback') : resolve(io.cwd, values.out);
    if (values.out !== undefined && values.out.trim() === '') throw new CliError('em-guard rollback: --out needs a directory path');
    if (inside(runDir, out))
      throw new CliError(
        `em-guard rollback: --out \`${out}\` would replace the run directory \`${runDir}\` (or a directory containing it); choose a new directory`,
      );
    if (inside(out, checkpointsDir(runDir)))
      throw new CliError(`em-guard rollback: --out \`${out}\` is inside ${checkpointsDir(runDir)}, which the checkpoint store owns; choose another directory`);
    const problem = rollbackTargetProblem(out);
    if (problem) throw new CliError(`em-guard rollback: refusing --out: ${problem}`);

    let resolved;
    try {
      resolved = resolveCheckpoint(runDir, selector, { fallback: values.fallback ?? false });
    } catch (e) {
      throw checkpointCliError('rollback', e);
    }
    const { manifest } = resolved.checkpoint;
    const skipped = resolved.skipped.map((s) => ({ id: s.id, code: s.code, message: s.message }));
    const what = `${manifest.id} (step ${manifest.step}, epoch ${manifest.epoch}, ${manifest.safe ? 'safe' : 'NOT marked safe'}, reason: ${manifest.reason})`;
    const facts = runLogFacts(runDir);
    if (!values['dry-run']) {
      try {
        await materializeCheckpoint(resolved.checkpoint, out, runDir);
      } catch (e) {
        throw checkpointCliError('rollback', e);
      }
      const log = new RunLog(join(runDir, RUN_LOG_FILE), facts.runId);
      log.append({
        type: 'rollback',
        step: facts.step ?? manifest.step,
        epoch: facts.epoch ?? manifest.epoch,
        to: manifest.id,
        toStep: manifest.step,
        by: 'cli',
        out,
      });
      await log.flush();
    }
    const dryRun = values['dry-run'] ?? false;
    if (values.json) {
      io.stdout(JSON.stringify({ dryRun, checkpoint: manifest, out, skipped, logged: !dryRun, ...(facts.warning && { warning: facts.warning }) }));
    } else {
      for (const s of skipped) io.stderr(`skipped damaged ${s.id}: ${s.message}`);
      if (facts.warning) io.stderr(`warning: ${facts.warning}`);
      io.stdout(
        dryRun
          ? `dry run: would write ${what} to ${out} and append a rollback record to ${join(runDir, RUN_LOG_FILE)}; checkpoint verified, nothing written`
          : `rolled back to ${what}: verified and written to ${out} (load with tf.loadLayersModel); recorded in ${join(runDir, RUN_LOG_FILE)}`,
      );
    }
    return EXIT_OK;
  },
};
