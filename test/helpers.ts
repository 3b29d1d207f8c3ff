// Shared test helpers. Each test file runs in its own process (node --test), so setting the
// backend here does not leak between files.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmGuard } from '../src/guard/EmGuard.js';
import '../src/registerBuiltins.js';

/** Backend for a test file: `EM_GUARD_TEST_BACKEND` (wasm|cpu), default wasm. */
export async function useBackend(name: string = process.env.EM_GUARD_TEST_BACKEND ?? 'wasm'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`test backend ${name} did not start`);
  await tf.ready();
}

/** A fresh temporary directory; removed by the returned cleanup. */
export function tempDir(prefix = 'em-guard-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Mulberry32, the library's own seeded PRNG, so fixtures are reproducible without a dependency. */
export { seededRandom } from '../src/util/seededRandom.js';

/** A callback that holds training at its first batch until the guard captures on its worker (or `timeoutMs` passes). */
export function waitForWorker(guard: EmGuard, timeoutMs = 90_000): tf.CustomCallbackArgs {
  return {
    onBatchEnd: async (batch) => {
      if (batch !== 0) return;
      const until = Date.now() + timeoutMs;
      while (guard.captureWhere !== 'worker' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    },
  };
}
