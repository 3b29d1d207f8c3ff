// Shared test helpers. Each test file runs in its own process (node --test), so setting the
// backend here does not leak between files.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmGuard } from '../src/guard/EmGuard.js';
import '../src/registerBuiltins.js';

/** Backend for a test file: `EM_GUARD_TEST_BACKEND` (wasm|cpu), default wasm. */
export async function useBackend(name: string = process.env.EM_GUARD_TEST_BACKEND ?? 'wasm'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`test backend ${name} did not start`);
  await tf.ready();
}

export { tempDir } from './tempDir.js';

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

/** A small model whose checkpoint must carry non-trainable weights (batch norm), Adam's state and user metadata. */
export function checkpointTestModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu', name: 'h' }),
      // Non-trainable weights (moving mean/variance) too: `model.weights` order is what tfjs saves.
      tf.layers.batchNormalization({ name: 'bn' }),
      tf.layers.dense({ units: 3, name: 'out' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  model.setUserDefinedMetadata({ note: 'kept' });
  return model;
}

const CHECKPOINT_FILES = ['model.json', 'weights.bin', 'manifest.json', 'optimizer.bin', 'optimizer.json'];

/** Two checkpoints hold the same files with the same bytes (manifest.json: the same JSON but for its `created` time). */
export function assertSameCheckpointFiles(
  a: { dir: string; id: string; files: Record<string, unknown> },
  b: { dir: string; id: string; files: Record<string, unknown> },
  label: string,
): void {
  for (const f of CHECKPOINT_FILES) {
    assert.equal(f in b.files || f === 'manifest.json', f in a.files || f === 'manifest.json', `${f} present in one only (${label})`);
    if (!(f in a.files) && f !== 'manifest.json') continue;
    const fa = readFileSync(join(a.dir, a.id, f));
    const fb = readFileSync(join(b.dir, b.id, f));
    if (f === 'manifest.json') {
      const strip = (buf: Buffer) => ({ ...JSON.parse(buf.toString('utf8')), created: null });
      assert.deepEqual(strip(fb), strip(fa), `manifest.json differs (${label})`);
    } else {
      assert.ok(fa.equals(fb), `${f} differs (${label})`);
    }
  }
}

/**
 * One finished run of a synthetic sweep directory, written as the sweep writes it: `config.json`
 * (with `runDir`), `result.json` with the given outcome, an empty `run.jsonl`.
 */
export function writeSyntheticSweepRun(
  runDir: string,
  config: { runId: string } & Record<string, unknown>,
  outcome: { steps: number; baselineLoss: number; finalLoss: number; misalignedRate: number; limit: number },
): void {
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'config.json'), JSON.stringify({ ...config, runDir }));
  writeFileSync(
    join(runDir, 'result.json'),
    JSON.stringify({
      runId: config.runId,
      settings: {},
      steps: outcome.steps,
      baseline: { misalignedRate: 0, inDomainLoss: outcome.baselineLoss },
      final: { misalignedRate: outcome.misalignedRate, inDomainLoss: outcome.finalLoss },
      label: { limit: outcome.limit, em: outcome.misalignedRate > outcome.limit },
      crossedAtStep: null,
      durationMs: 1,
    }),
  );
  writeFileSync(join(runDir, 'run.jsonl'), '');
}
