import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readRunLog, RUN_LOG_SYNC_DELAY_MS, RunLog } from '../src/runlog/RunLog.js';
import { tempDir } from './tempDir.js';

test('run log: appends reach the file at once, share a delayed fsync, and flush() starts it without waiting for the delay', async (t) => {
  // The delayed fsync's timer is mocked and never fires: a flush that waited for it would never resolve.
  const realSetTimeout = setTimeout;
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'run.jsonl');
    const log = new RunLog(path, 'r1');
    for (let step = 1; step <= 5; step++) {
      log.append({ type: 'check', step, epoch: 0, values: { loss: step }, reasons: {}, timingsMs: {} } as never);
      // Written to the OS before append returns (a crash of the process loses nothing appended).
      assert.equal(readRunLog(path).length, step);
    }
    let guardTimer: NodeJS.Timeout | undefined;
    const hung = new Promise<string>((resolve) => (guardTimer = realSetTimeout(() => resolve('still waiting after 60 s'), 60_000)));
    const flushed = await Promise.race([log.flush().then(() => 'flushed'), hung]);
    clearTimeout(guardTimer);
    assert.equal(flushed, 'flushed', `flush does not wait for the ${RUN_LOG_SYNC_DELAY_MS} ms delay`);
    // Appends after a flush: again written at once, and a second flush covers them.
    log.append({ type: 'check', step: 6, epoch: 0, values: {}, reasons: {}, timingsMs: {} } as never);
    await log.flush();
    assert.deepEqual(
      readRunLog(path).map((r) => (r as { step: number }).step),
      [1, 2, 3, 4, 5, 6],
    );
    await log.flush(); // nothing pending: resolves at once
  } finally {
    cleanup();
  }
});

test('run log with coalesce: one synchronous stretch of appends reaches the file at its end, in order; flush() writes what is pending', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'run.jsonl');
    const log = new RunLog(path, 'r1', { coalesce: true });
    for (let step = 1; step <= 3; step++) log.append({ type: 'check', step, epoch: 0, values: { loss: step }, reasons: {}, timingsMs: {} } as never);
    // Not yet written: the stretch is still running.
    assert.equal(existsSync(path) ? readRunLog(path).length : 0, 0);
    await Promise.resolve(); // the write's microtask was queued before this one
    assert.deepEqual(
      readRunLog(path).map((r) => (r as { step: number }).step),
      [1, 2, 3],
    );
    log.append({ type: 'check', step: 4, epoch: 0, values: {}, reasons: {}, timingsMs: {} } as never);
    await log.flush(); // writes step 4 now and fsyncs
    assert.deepEqual(
      readRunLog(path).map((r) => (r as { step: number }).step),
      [1, 2, 3, 4],
    );
  } finally {
    cleanup();
  }
});

test('run log with coalesce: records appended just before process.exit or an uncaught exception in the same stretch are still written', () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const [how, code] of [
      ['exit', 3],
      ['throw', 1],
    ] as const) {
      const path = join(dir, `${how}.jsonl`);
      const child = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'runLogExitChild.ts'), path, how], { encoding: 'utf8' });
      assert.equal(child.status, code, child.stderr);
      assert.deepEqual(
        readRunLog(path).map((r) => r.type),
        ['check', 'end'],
        how,
      );
    }
  } finally {
    cleanup();
  }
});

test('run log with deferTypes: deferred records wait for the next write (another record, flush, the delayed fsync, another log of the file), in append order', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'run.jsonl');
    const steps = () => (existsSync(path) ? readRunLog(path).map((r) => `${r.type}:${(r as { step: number }).step}`) : []);
    const check = (step: number) => ({ type: 'check', step, epoch: 0, values: { loss: step }, reasons: {}, timingsMs: {} }) as never;
    const log = new RunLog(path, 'r1', { coalesce: true, deferTypes: ['check', 'decision'] });
    // The delayed fsync's timer starts at the first append and covers every record until it fires.
    const t0 = performance.now();
    log.append(check(1));
    log.append(check(2));
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(steps(), [], 'deferred: not written at the end of the stretch');
    // A record of another type: everything pending goes at the end of its stretch, in order.
    log.append({ type: 'notice', step: 3, epoch: 0, code: 'c', message: 'm' });
    log.append(check(4));
    await Promise.resolve();
    assert.deepEqual(steps(), ['check:1', 'check:2', 'notice:3', 'check:4']);
    // Only deferred records: the delayed fsync's timer (started at check 1's append) writes them.
    log.append(check(5));
    while (steps().length < 5) await new Promise((resolve) => setTimeout(resolve, 10));
    const waited = performance.now() - t0;
    assert.ok(
      waited >= RUN_LOG_SYNC_DELAY_MS - 20 && waited < RUN_LOG_SYNC_DELAY_MS + 1000,
      `written by the timer ${waited.toFixed(0)} ms after the first append`,
    );
    // Another log of the same file (a judge's records during a fit): the deferred lines go first.
    log.append(check(6));
    const other = new RunLog(path, 'r1');
    other.append({ type: 'notice', step: 7, epoch: 0, code: 'j', message: 'judge' });
    assert.deepEqual(steps().slice(5), ['check:6', 'notice:7']);
    log.append(check(8));
    await log.flush();
    assert.deepEqual(steps().slice(7), ['check:8']);
    await other.flush();
  } finally {
    cleanup();
  }
});

test('run log with deferTypes: process.exit still writes deferred records; a SIGKILL before the delayed write loses them, not what was written before', () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const [how, types] of [
      ['defer-exit', ['notice', 'check']],
      ['defer-kill', ['notice']],
    ] as const) {
      const path = join(dir, `${how}.jsonl`);
      const child = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'runLogExitChild.ts'), path, how], { encoding: 'utf8' });
      assert.ok(how === 'defer-exit' ? child.status === 3 : child.signal === 'SIGKILL', `${how}: ${child.status} ${child.signal} ${child.stderr}`);
      assert.deepEqual(
        readRunLog(path).map((r) => r.type),
        types,
        how,
      );
    }
  } finally {
    cleanup();
  }
});
