import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRunLog, RUN_LOG_FILE } from '../runlog/RunLog.js';
import type { CheckRecord, JudgeRecord, StartRecord } from '../runlog/runLogRecord.js';
import { RUN_RESULT_FILE, SWEEP_LOG_FILE, type SweepRunResult } from '../sweep/sweepRunResult.js';

/** One finished sweep run as the analysis sees it: its result and the guard's recorded checks. */
export interface SweepRunData {
  runId: string;
  dir: string;
  result: SweepRunResult;
  start: StartRecord | null;
  /** Metric values before fine-tuning (the guard's `baseline` record), or null. */
  baseline: Record<string, number | null> | null;
  checks: CheckRecord[];
  judges: JudgeRecord[];
}

/** The runs of a sweep directory, and what could not be read. */
export interface SweepRuns {
  dir: string;
  runs: SweepRunData[];
  /** Run directories without a usable result (crashed or unfinished), with why. */
  skipped: { runId: string; reason: string }[];
  /** Runs recorded as crashed in the latest `sweep.jsonl` outcome per run. */
  crashed: string[];
}

/**
 * Reads every `<dir>/<runId>/` holding `run.jsonl` and `result.json`. Runs without both (crashed,
 * still running) are listed in `skipped`, never silently dropped.
 */
export function loadSweepRuns(dir: string): SweepRuns {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`${dir}: not a directory; pass the sweep's output directory (its \`out\`, e.g. runs/sweep-demo)`);
  const runs: SweepRunData[] = [];
  const skipped: SweepRuns['skipped'] = [];
  for (const name of readdirSync(dir).sort()) {
    const runDir = join(dir, name);
    if (name.startsWith('.') || !statSync(runDir).isDirectory()) continue;
    const logPath = join(runDir, RUN_LOG_FILE);
    const resultPath = join(runDir, RUN_RESULT_FILE);
    if (!existsSync(logPath) && !existsSync(resultPath)) continue;
    if (!existsSync(resultPath)) {
      skipped.push({ runId: name, reason: 'no result.json (crashed or unfinished)' });
      continue;
    }
    if (!existsSync(logPath)) {
      skipped.push({ runId: name, reason: 'no run.jsonl' });
      continue;
    }
    let result: SweepRunResult;
    try {
      result = JSON.parse(readFileSync(resultPath, 'utf8')) as SweepRunResult;
    } catch (e) {
      throw new Error(`${resultPath}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof result?.final?.misalignedRate !== 'number')
      throw new Error(`${resultPath}: expected \`final.misalignedRate\` to be a number, got ${JSON.stringify(result?.final)}`);
    const records = readRunLog(logPath);
    const base = records.find((r) => r.type === 'baseline');
    runs.push({
      runId: result.runId ?? name,
      dir: runDir,
      result,
      start: (records.find((r) => r.type === 'start') as StartRecord | undefined) ?? null,
      baseline: base && base.type === 'baseline' ? base.values : null,
      checks: records.filter((r): r is CheckRecord => r.type === 'check'),
      judges: records.filter((r): r is JudgeRecord => r.type === 'judge'),
    });
  }
  const crashed: string[] = [];
  const sweepLog = join(dir, SWEEP_LOG_FILE);
  if (existsSync(sweepLog)) {
    const last = new Map<string, string>();
    for (const line of readFileSync(sweepLog, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as { type?: string; runId?: string; status?: string };
        if (r.type === 'run' && r.runId && r.status && r.status !== 'skipped') last.set(r.runId, r.status);
      } catch {
        // A torn last line of a killed sweep; the run directories are the source of truth.
      }
    }
    for (const [id, status] of last) if (status === 'crashed' && !runs.some((r) => r.runId === id)) crashed.push(id);
  }
  return { dir, runs, skipped, crashed };
}
