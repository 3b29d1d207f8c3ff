// Sweeps across machines (issue 18): a real redis-server on a loopback port, real `em-guard worker`
// processes, a SIGKILLed worker, a Redis restart; results compared with the same sweep run by the
// local pool. Tiny runs keep it to seconds of training; most of the time is process start-up.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { memoryIo } from '../src/cli/cliIo.js';
import { main } from '../src/cli/main.js';
import { readRunLog } from '../src/runlog/RunLog.js';
import { expandSweepMatrix } from '../src/sweep/expandSweepMatrix.js';
import { loadSweepConfig } from '../src/sweep/parseSweepConfig.js';
import type { SweepRunResult } from '../src/sweep/sweepRunResult.js';
import { tempDir } from './helpers.js';
import { startRedis } from './redisServer.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'sweep-queue.yaml');
const MODULE = join(import.meta.dirname, 'fixtures', 'sweepModule.ts');
const BIN = join(import.meta.dirname, '..', 'src', 'cli', 'bin.ts');
const TSX = import.meta.resolve('tsx');

const { dir: root, cleanup } = tempDir('em-guard-queue-');
const localDir = join(root, 'local');
after(cleanup);

interface Worker {
  proc: ChildProcess;
  out: () => string;
  workDir: string;
  exited: Promise<number | null>;
}

/** `em-guard worker` as its own process, the way a user starts it on another machine. */
async function startWorker(url: string, name: string, extra: string[] = []): Promise<Worker> {
  const workDir = join(root, `work-${name}`);
  const proc = spawn(process.execPath, ['--import', TSX, BIN, 'worker', '--queue', url, '--work-dir', workDir, '--stalled-seconds', '3', ...extra], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  await waitFor(
    () => out.includes('taking runs from'),
    60000,
    () => `worker ${name} did not start: ${out}`,
  );
  return { proc, out: () => out, workDir, exited };
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(what());
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A run directory under `workDir` whose run.jsonl already has a guard check: a run in the middle of training. */
function runMidTraining(workDir: string): string | undefined {
  const sweepDir = join(workDir, 'sweep-queue');
  if (!existsSync(sweepDir)) return undefined;
  return readdirSync(sweepDir).find((r) => {
    const log = join(sweepDir, r, 'run.jsonl');
    return existsSync(log) && readFileSync(log, 'utf8').includes('"type":"check"');
  });
}

/** What must be identical between two executions of a run: its result (minus wall time) and its judge and check records. */
function runNumbers(runDir: string) {
  const result = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as SweepRunResult;
  const { durationMs: _d, ...stable } = result;
  const records = readRunLog(join(runDir, 'run.jsonl'));
  return {
    result: stable,
    judges: records.filter((r) => r.type === 'judge').map((r) => ({ step: r.step, values: (r as { values: unknown }).values })),
    checks: records.filter((r) => r.type === 'check').map((r) => ({ step: r.step, values: (r as { values: unknown }).values })),
  };
}

function sweepRecords(out: string): Record<string, unknown>[] {
  return readFileSync(join(out, 'sweep.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function analyze(dir: string): Promise<unknown> {
  const io = memoryIo(dir);
  // With the CLI's defaults, the within-train predictor included: since its LassoCV path solves the settled active
  // set exactly it costs seconds here, not the 64 s it took before.
  assert.equal(await main(['analyze-runs', dir, '--json', '--permutations', '5'], io), 0, io.err.join('\n'));
  // The report names the directory it read; everything else must match.
  const { dir: _dir, ...report } = JSON.parse(io.out.join('')) as Record<string, unknown>;
  return report;
}

before(async () => {
  // The reference: the same sweep through the local pool.
  const io = memoryIo(localDir);
  assert.equal(await main(['sweep', FIXTURE, '--json'], io), 0, io.err.join('\n'));
});

test('two workers, one SIGKILLed mid-run: the run goes to the other, every run finishes once, same numbers as the local pool', async () => {
  const dir = join(root, 'kill');
  const redis = await startRedis(root);
  const workers: Worker[] = [];
  try {
    const a = await startWorker(redis.url, 'a');
    const b = await startWorker(redis.url, 'b');
    workers.push(a, b);
    const io = memoryIo(dir);
    const sweep = main(['sweep', FIXTURE, '--queue', redis.url], io);
    let killed: string | undefined;
    await waitFor(
      () => (killed = runMidTraining(a.workDir)) !== undefined,
      120000,
      () => `worker a never reached a check: ${a.out()}`,
    );
    a.proc.kill('SIGKILL');
    assert.equal(await a.exited, null);
    assert.equal(await sweep, 0, io.err.join('\n'));

    const config = loadSweepConfig(FIXTURE, { baseDir: dir });
    const local = loadSweepConfig(FIXTURE, { baseDir: localDir });
    const records = sweepRecords(config.out).filter((r) => r.type === 'run');
    const runs = expandSweepMatrix(config);
    // Every run recorded exactly once, finished, by a live worker.
    assert.deepEqual(records.map((r) => r.runId).sort(), runs.map((r) => r.runId).sort());
    assert.ok(
      records.every((r) => r.status === 'ok'),
      JSON.stringify(records),
    );
    const bName = b.out().match(/worker \d+: (\S+) taking runs/)![1];
    const retaken = records.find((r) => r.runId === killed)!;
    assert.equal(retaken.worker, bName, 'the killed run was finished by the other worker');
    assert.ok(Number(retaken.attempts) >= 2, `the killed run was started twice: ${JSON.stringify(retaken)}`);
    for (const run of runs) {
      const log = readRunLog(join(run.runDir, 'run.jsonl'));
      // Nothing of the killed attempt is mixed in: one start, one end.
      assert.equal(log.filter((r) => r.type === 'start').length, 1, run.runId);
      assert.equal(log.filter((r) => r.type === 'end').length, 1, run.runId);
      assert.deepEqual(runNumbers(run.runDir), runNumbers(join(local.out, run.runId)), `${run.runId}: queued and local runs differ`);
    }
    // The killed worker's run process noticed its parent was gone and stopped.
    const orphanLog = join(a.workDir, 'sweep-queue', killed!, 'worker.log');
    await waitFor(
      () => readFileSync(orphanLog, 'utf8').includes('parent process gone'),
      30000,
      () => `the orphaned run kept going: ${readFileSync(orphanLog, 'utf8')}`,
    );

    // Enqueueing again adds nothing; the status shows every run done.
    const again = memoryIo(dir);
    assert.equal(await main(['sweep', FIXTURE, '--queue', redis.url, '--no-wait', '--json'], again), 0, again.err.join('\n'));
    assert.deepEqual(JSON.parse(again.out.join('')).skipped, 3);
    assert.match(again.err.join('\n'), /0 runs added .* 0 already there, 0 failed runs put back, 3 finished/);
    const status = memoryIo(dir);
    assert.equal(await main(['sweep-status', '--queue', redis.url, '--json'], status), 0, status.err.join('\n'));
    assert.deepEqual(JSON.parse(status.out.join('')).counts, { queued: 0, running: 0, done: 3, failed: 0 });

    // SIGTERM stops a worker cleanly.
    b.proc.kill('SIGTERM');
    assert.equal(await b.exited, 0, b.out());
  } finally {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await redis.stop();
  }
});

test('Redis restarted mid-sweep: the worker reconnects, the sweep completes, analyze-runs reports as on the local sweep', async () => {
  const dir = join(root, 'restart');
  const redisDir = join(root, 'redis-aof');
  mkdirSync(redisDir);
  const redis = await startRedis(redisDir, true);
  let w: Worker | undefined;
  try {
    w = await startWorker(redis.url, 'r', ['--concurrency', '2']);
    const io = memoryIo(dir);
    const sweep = main(['sweep', FIXTURE, '--queue', redis.url], io);
    await waitFor(
      () => runMidTraining(w!.workDir) !== undefined,
      120000,
      () => `no run reached a check: ${w!.out()}`,
    );
    await redis.restart();
    assert.equal(await sweep, 0, io.err.join('\n'));
    const config = loadSweepConfig(FIXTURE, { baseDir: dir });
    const local = loadSweepConfig(FIXTURE, { baseDir: localDir });
    const records = sweepRecords(config.out).filter((r) => r.type === 'run');
    assert.deepEqual(
      records.map((r) => r.runId).sort(),
      expandSweepMatrix(config)
        .map((r) => r.runId)
        .sort(),
    );
    for (const run of expandSweepMatrix(config)) assert.deepEqual(runNumbers(run.runDir), runNumbers(join(local.out, run.runId)), run.runId);
    assert.deepEqual(await analyze(config.out), await analyze(local.out));
    w.proc.kill('SIGTERM');
    assert.equal(await w.exited, 0, w.out());
  } finally {
    if (w && w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await redis.stop();
  }
});

test('a run that fails every time is retried with backoff, then recorded failed with its error', async () => {
  const dir = join(root, 'fail');
  const redis = await startRedis(root);
  let w: Worker | undefined;
  try {
    w = await startWorker(redis.url, 'f', ['--concurrency', '2']);
    mkdirSync(dir);
    const file = join(dir, 'sweep.yaml');
    // seed 1 succeeds, seed 3 throws in train() (test/fixtures/sweepModule.ts).
    writeFileSync(file, `version: 1\nname: failing\nout: out\nmodule: ${relative(dir, MODULE)}\nmatrix:\n  seed: [1, 3]\ntimeoutSeconds: 60\n`);
    const io = memoryIo(dir);
    assert.equal(await main(['sweep', file, '--queue', redis.url, '--attempts', '2', '--backoff', '0.2', '--json'], io), 1, io.err.join('\n'));
    const summary = JSON.parse(io.out.join('')) as {
      done: number;
      failed: number;
      runs: { runId: string; state: string; attempts?: number; error?: string }[];
    };
    assert.deepEqual([summary.done, summary.failed], [1, 1]);
    const failed = summary.runs.find((r) => r.state === 'failed')!;
    assert.match(failed.runId, /-s3$/);
    assert.equal(failed.attempts, 2);
    assert.match(failed.error ?? '', /deliberate failure/);
    const record = sweepRecords(join(dir, 'out')).find((r) => r.type === 'run' && r.status === 'crashed')!;
    assert.match(String(record.error), /deliberate failure/);
    assert.equal(existsSync(join(dir, 'out', failed.runId, 'result.json')), false, 'a failed run leaves no result');
    assert.equal((w.out().match(/start \S+-s3 /g) ?? []).length, 2, w.out());
    const status = memoryIo(dir);
    assert.equal(await main(['sweep-status', '--queue', redis.url], status), 0);
    assert.match(status.out.join('\n'), /0 queued, 0 running, 1 done, 1 failed/);
    assert.match(status.out.join('\n'), /failing\/adam-constant-lr0\.003-mix0-s3 \(on \S+, attempts 2\) - exited with code 1: .*deliberate failure/);
  } finally {
    if (w && w.proc.exitCode === null) w.proc.kill('SIGTERM');
    await redis.stop();
  }
});

test('SIGTERM hands a held run back to the queue at once, without waiting for the stalled check', async () => {
  const dir = join(root, 'handback');
  const redis = await startRedis(root);
  let w: Worker | undefined;
  try {
    w = await startWorker(redis.url, 'h', ['--stalled-seconds', '600']);
    mkdirSync(dir);
    const file = join(dir, 'sweep.yaml');
    // seed 4 never returns (test/fixtures/sweepModule.ts): the worker holds it until stopped.
    writeFileSync(file, `version: 1\nname: held\nout: out\nmodule: ${relative(dir, MODULE)}\nmatrix:\n  seed: [4]\ntimeoutSeconds: 600\n`);
    const io = memoryIo(dir);
    assert.equal(await main(['sweep', file, '--queue', redis.url, '--no-wait'], io), 0, io.err.join('\n'));
    const status = async () => {
      const s = memoryIo(dir);
      assert.equal(await main(['sweep-status', '--queue', redis.url, '--json'], s), 0, s.err.join('\n'));
      return JSON.parse(s.out.join('')).counts as Record<string, number>;
    };
    await waitFor(
      () => w!.out().includes('start adam-constant-lr0.003-mix0-s4'),
      60000,
      () => w!.out(),
    );
    assert.deepEqual(await status(), { queued: 0, running: 1, done: 0, failed: 0 });
    w.proc.kill('SIGTERM');
    assert.equal(await w.exited, 0, w.out());
    assert.match(w.out(), /handed back adam-constant-lr0\.003-mix0-s4/);
    // Back in the queue right away (the lock would only have expired after 600 s).
    assert.deepEqual(await status(), { queued: 1, running: 0, done: 0, failed: 0 });
  } finally {
    if (w && w.proc.exitCode === null) w.proc.kill('SIGKILL');
    await redis.stop();
  }
});

test('bad --queue values and an unreachable Redis fail with the address and the fix', async () => {
  const io = memoryIo(root);
  assert.equal(await main(['worker', '--queue', 'http://x:1'], io), 2);
  assert.match(io.err.join('\n'), /unsupported scheme `http:`.*redis:\/\/127\.0\.0\.1:6379/);
  const db = memoryIo(root);
  assert.equal(await main(['sweep-status', '--queue', 'redis://127.0.0.1:6379/x'], db), 2);
  assert.match(db.err.join('\n'), /database `\/x`/);
  const missing = memoryIo(root);
  assert.equal(await main(['sweep-status'], missing), 2);
  assert.match(missing.err.join('\n'), /expected `--queue redis:\/\/host:port\[\/db\]`/);
  // A port nothing listens on (a stopped server's).
  const redis = await startRedis(root);
  await redis.stop();
  const down = memoryIo(root);
  assert.equal(await main(['sweep-status', '--queue', redis.url], down), 1);
  assert.match(down.err.join('\n'), new RegExp(`cannot reach Redis at ${redis.url}: connect ECONNREFUSED`));
  const flags = memoryIo(root);
  assert.equal(await main(['sweep', FIXTURE, '--queue', redis.url, '--workers', '2'], flags), 2);
  assert.match(flags.err.join('\n'), /--workers.*em-guard worker/);
});
