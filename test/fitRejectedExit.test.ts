import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./fitRejectedChild.ts', import.meta.url));

/** Runs the child; resolves with its exit code (null when it had to be killed after `limitMs`) and stdout. */
function runChild(failAt: number, limitMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, String(failAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: killed ? null : code, stdout, stderr });
    });
  });
}

test('a guarded fit that rejects (another callback throws; tfjs skips onTrainEnd), guard not disposed: the process still exits by itself', async () => {
  // Batch 23: the worker is up (the first batch waited for it) and a check started at batch 20 may still be out.
  const { code, stdout, stderr } = await runChild(23, 90_000);
  assert.match(stdout, /fit rejected: a user callback failed; capture worker; checks [1-9]/, `stdout: ${stdout}\nstderr: ${stderr}`);
  // Killed after the limit = kept alive by the capture thread or its reply port.
  assert.equal(code, 0, `the child did not exit by itself (stdout: ${stdout.trim()})`);
});
