// Shared test helpers. Each test file runs in its own process (node --test), so setting the
// backend here does not leak between files.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
