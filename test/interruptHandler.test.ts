import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { installInterruptHandler } from '../src/checkpoints/interruptHandler.js';

const CHILD = fileURLToPath(new URL('./interruptHandlerChild.ts', import.meta.url));

/** Spawns the child, sends `signals` (one per `interrupted` line, the first after `ready`), collects the outcome. */
function runChild(mode: string, signals: NodeJS.Signals[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let sent = 0;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const wanted = out.includes('ready') ? 1 + (out.match(/interrupted/g)?.length ?? 0) : 0;
      while (sent < Math.min(wanted, signals.length)) child.kill(signals[sent++]!);
    });
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

test('SIGTERM: onInterrupt runs once, the work finishes gracefully, exit code 0', async () => {
  const r = await runChild('graceful', ['SIGTERM']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /interrupted SIGTERM\nfinal checkpoint written\nstopped after some batches/);
});

test('SIGINT is handled the same way', async () => {
  const r = await runChild('graceful', ['SIGINT']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /interrupted SIGINT\nfinal checkpoint written/);
});

test('a second signal while the handler is still working kills the process with that signal', async () => {
  const r = await runChild('hang', ['SIGTERM', 'SIGTERM']);
  assert.equal(r.signal, 'SIGTERM');
  assert.equal(r.out.match(/interrupted/g)?.length, 1);
});

test('the uninstaller removes exactly its listeners; bad options are rejected', () => {
  const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
  const uninstall = installInterruptHandler({ onInterrupt: () => undefined });
  assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], [before[0]! + 1, before[1]! + 1]);
  uninstall();
  uninstall();
  assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before);
  assert.throws(() => installInterruptHandler({} as never), /Expected `onInterrupt` to be a function, got `undefined`/);
});

test('an error thrown by onInterrupt goes to onError', async () => {
  const errors: unknown[] = [];
  const uninstall = installInterruptHandler({
    onInterrupt: () => {
      throw new Error('disk full');
    },
    onError: (e) => errors.push(e),
  });
  try {
    process.emit('SIGTERM', 'SIGTERM');
    await new Promise((r) => setImmediate(r));
    assert.equal((errors[0] as Error).message, 'disk full');
  } finally {
    uninstall();
  }
});
