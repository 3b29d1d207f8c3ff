import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRunLog, RUN_LOG_FILE } from '../runlog/RunLog.js';
import type { RunLogRecord } from '../runlog/runLogRecord.js';
import { buildRunSeries } from './buildRunSeries.js';
import type { RunSeries } from './RunSeries.js';

/** `runDir/run.jsonl`, or the path itself when it names a `.jsonl` file. */
export function runLogPath(runDirOrFile: string): string {
  if (runDirOrFile.endsWith('.jsonl') && existsSync(runDirOrFile) && statSync(runDirOrFile).isFile()) return runDirOrFile;
  return join(runDirOrFile, RUN_LOG_FILE);
}

/**
 * Reads every run in a run log, for the report. A log holds one run per `start` record (a guard
 * reused across `fit` calls appends several); records before the first `start` form a run of their
 * own. Errors name `file:line` and what was expected.
 */
export function loadRunsForReport(runDirOrFile: string): RunSeries[] {
  const path = runLogPath(runDirOrFile);
  if (!existsSync(path)) {
    throw new Error(`${path}: no run log here; expected a run directory written by emGuard (it contains ${RUN_LOG_FILE}) or a path to a .jsonl run log`);
  }
  const records = readRunLog(path);
  if (records.length === 0) throw new Error(`${path}:1: the run log has no complete records; expected at least a \`start\` record`);
  let lines: number[] | undefined;
  // Line numbers are only needed for an error message: compute them lazily (blank lines are skipped by readRunLog).
  const lineOf = (i: number): number => {
    lines ??= nonBlankLineNumbers(readFileSync(path, 'utf8'));
    return lines[i] ?? i + 1;
  };
  return segments(records).map(({ offset, records: part }) => buildRunSeries(part, { source: path, lineOf, offset }));
}

/** The single run in a run log; a log holding several runs is an error that points at `loadRunsForReport`. */
export function loadRunForReport(runDirOrFile: string): RunSeries {
  const runs = loadRunsForReport(runDirOrFile);
  if (runs.length !== 1 || !runs[0]) {
    throw new Error(`${runLogPath(runDirOrFile)}: expected one run, found ${runs.length} (one per \`start\` record); use loadRunsForReport to read them all`);
  }
  return runs[0];
}

function segments(records: RunLogRecord[]): { offset: number; records: RunLogRecord[] }[] {
  const out: { offset: number; records: RunLogRecord[] }[] = [];
  records.forEach((r, i) => {
    const last = out[out.length - 1];
    if (!last || (r.type === 'start' && last.records.some((x) => x.type === 'start'))) out.push({ offset: i, records: [r] });
    else last.records.push(r);
  });
  return out;
}

function nonBlankLineNumbers(text: string): number[] {
  const out: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() !== '') out.push(i + 1);
  });
  return out;
}
