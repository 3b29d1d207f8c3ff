import { fork } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../io/writeFileAtomic.js';
import { readRunLog, RUN_LOG_FILE } from '../runlog/RunLog.js';
import { packageRoot } from '../util/packageRoot.js';
import { expandSweepMatrix } from './expandSweepMatrix.js';
import type { SweepConfig, SweepRunConfig } from './sweepConfig.js';
import { RUN_CONFIG_FILE, RUN_RESULT_FILE, SWEEP_LOG_FILE, WORKER_LOG_FILE } from './sweepRunResult.js';

/** How one run of a sweep ended. */
export interface SweepRunOutcome {
  runId: string;
  status: 'ok' | 'skipped' | 'crashed' | 'planned';
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  durationMs?: number;
  /** Last lines of the worker's output when it crashed. */
  error?: string;
}

/** Options of {@link runSweep}. */
export interface RunSweepOptions {
  /** Parallel workers; overrides the config. Default: the config's, capped at the machine's cores. */
  workers?: number;
  /** Only expand the matrix and report what would run (nothing is written). */
  dryRun?: boolean;
  /** Called when a run starts or ends, e.g. for a progress line. */
  onProgress?: (event: { runId: string; phase: 'start' | 'end'; outcome?: SweepRunOutcome; done: number; total: number }) => void;
}

/** What {@link runSweep} did. */
export interface SweepSummary {
  name: string;
  out: string;
  workers: number;
  runs: SweepRunOutcome[];
  ok: number;
  skipped: number;
  crashed: number;
  durationMs: number;
}

/** A run is finished when its `result.json` exists and its `run.jsonl` ends with an `end` record. */
export function isRunFinished(runDir: string): boolean {
  if (!existsSync(join(runDir, RUN_RESULT_FILE))) return false;
  const log = join(runDir, RUN_LOG_FILE);
  if (!existsSync(log)) return false;
  try {
    return readRunLog(log).some((r) => r.type === 'end');
  } catch {
    return false;
  }
}

/**
 * The worker script and the Node flags to fork it with: the `.ts` source through tsx when
 * em-guard runs from `src/` (tests, `npx tsx`), the built `dist/sweep/sweepWorker.js` otherwise.
 */
export function sweepWorkerEntry(): { script: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return { script: join(dirname(here), 'sweepWorker.ts'), execArgv: ['--import', tsxLoader()] };
  return { script: join(packageRoot(), 'dist', 'sweep', 'sweepWorker.js'), execArgv: [] };
}

/**
 * tsx's loader as a file URL: a bare `--import tsx` resolves against the child's cwd and fails
 * when the sweep (or a queue worker) runs outside the package directory.
 */
function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}

function tail(path: string, lines = 12): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Runs one sweep run in its own child process in `run.runDir` (cleaned first) and reports how it
 * ended. The local pool and the queue worker (`runQueueWorker`) both call this, so a run executes
 * the same way on either. An aborted `signal` kills the child (the outcome is then `crashed`
 * with the error `cancelled`).
 */
export function runSweepRun(run: SweepRunConfig, timeoutMs: number, signal?: AbortSignal): Promise<SweepRunOutcome> {
  const started = Date.now();
  mkdirSync(run.runDir, { recursive: true });
  // A half-written earlier attempt would mix two runs in one log: start clean.
  for (const f of [RUN_LOG_FILE, RUN_RESULT_FILE, WORKER_LOG_FILE]) rmSync(join(run.runDir, f), { force: true });
  writeFileAtomic(join(run.runDir, RUN_CONFIG_FILE), JSON.stringify(run, null, 2));
  const logPath = join(run.runDir, WORKER_LOG_FILE);
  const fd = openSync(logPath, 'a');
  const entry = sweepWorkerEntry();
  // A TypeScript user module needs tsx in the worker even when em-guard itself runs from dist/.
  const tsModule = run.target.kind === 'module' && /\.[cm]?ts$/.test(run.target.module);
  const { script } = entry;
  const execArgv = tsModule && entry.execArgv.length === 0 ? ['--import', tsxLoader()] : entry.execArgv;
  return new Promise((resolvePromise) => {
    let timedOut = false;
    let cancelled = false;
    const child = fork(script, [run.runDir], { execArgv, stdio: ['ignore', fd, fd, 'ipc'], cwd: process.cwd() });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const onAbort = () => {
      cancelled = true;
      child.kill('SIGKILL');
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (exitCode: number | null, exitSignal: string | null, spawnError?: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      closeSync(fd);
      const ok = !spawnError && !timedOut && !cancelled && exitCode === 0 && isRunFinished(run.runDir);
      const outcome: SweepRunOutcome = {
        runId: run.runId,
        status: ok ? 'ok' : 'crashed',
        exitCode,
        signal: exitSignal,
        timedOut,
        durationMs: Date.now() - started,
      };
      if (!ok) {
        const why = spawnError
          ? `could not start the worker: ${spawnError.message}`
          : cancelled
            ? 'cancelled'
            : timedOut
              ? `timed out after ${Math.round(timeoutMs / 1000)} s`
              : exitCode === 0
                ? 'exited 0 without result.json and an `end` record'
                : exitSignal
                  ? `killed by ${exitSignal}`
                  : `exited with code ${exitCode}`;
        outcome.error = `${why}${tail(logPath) ? `\n${tail(logPath)}` : ''}`;
      }
      resolvePromise(outcome);
    };
    let settled = false;
    child.once('error', (e) => {
      if (!settled) {
        settled = true;
        finish(null, null, e);
      }
    });
    child.once('exit', (code, signal) => {
      if (!settled) {
        settled = true;
        finish(code, signal);
      }
    });
  });
}

/**
 * Runs every cell of the sweep's matrix in child processes (at most `workers` at once), each in
 * `<out>/<runId>/` with its `config.json`. Finished runs are skipped (resume); a crash, signal or
 * timeout is recorded in `<out>/sweep.jsonl` and the sweep goes on.
 */
export async function runSweep(config: SweepConfig, options: RunSweepOptions = {}): Promise<SweepSummary> {
  const started = Date.now();
  const runs = expandSweepMatrix(config);
  const workers = Math.max(1, Math.min(options.workers ?? config.workers, availableParallelism(), runs.length || 1));
  const outcomes = new Array<SweepRunOutcome>(runs.length);
  const summary = (): SweepSummary => ({
    name: config.name,
    out: config.out,
    workers,
    runs: outcomes,
    ok: outcomes.filter((o) => o.status === 'ok').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
    crashed: outcomes.filter((o) => o.status === 'crashed').length,
    durationMs: Date.now() - started,
  });
  if (options.dryRun) {
    runs.forEach((r, i) => (outcomes[i] = { runId: r.runId, status: isRunFinished(r.runDir) ? 'skipped' : 'planned' }));
    return summary();
  }
  mkdirSync(config.out, { recursive: true });
  const sweepLog = join(config.out, SWEEP_LOG_FILE);
  const log = (record: Record<string, unknown>) => appendFileSync(sweepLog, JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
  log({ type: 'start', name: config.name, runs: runs.length, workers, file: config.file });
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < runs.length) {
      const i = next++;
      const run = runs[i]!;
      let outcome: SweepRunOutcome;
      if (isRunFinished(run.runDir)) {
        outcome = { runId: run.runId, status: 'skipped' };
      } else {
        options.onProgress?.({ runId: run.runId, phase: 'start', done, total: runs.length });
        outcome = await runSweepRun(run, config.timeoutSeconds * 1000);
      }
      outcomes[i] = outcome;
      done++;
      log({ type: 'run', ...outcome });
      options.onProgress?.({ runId: run.runId, phase: 'end', outcome, done, total: runs.length });
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const s = summary();
  log({ type: 'end', ok: s.ok, skipped: s.skipped, crashed: s.crashed, durationMs: s.durationMs });
  return s;
}
