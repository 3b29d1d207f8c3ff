// Sequence probes: left-padded prompt batches with `last` pooling, mask-aware `mean` pooling of
// right-padded batches, and `layers: auto` on a transformer (its block outputs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { emGuard } from '../src/guard/EmGuard.js';
import { probeFingerprints } from '../src/guard/savedBaseline.js';
import { lmLoss } from '../src/organism/lm/lmLoss.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { parsePolicy } from '../src/policy/parsePolicy.js';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { resolveLayers } from '../src/probes/resolveLayers.js';
import { validateProbes } from '../src/probes/validateProbes.js';
import { buildLmModel } from '../src/organism/lm/buildLmModel.js';
import { LM_RECIPE } from '../src/organism/lm/lmRecipe.js';
import { seededRandom, useBackend, waitForWorker } from './helpers.js';

await useBackend();

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test("pooling 'last' on left-padded prompts: each row equals its unpadded prompt's last-token activation (masked GRU)", async () => {
  // Masking(0) makes the GRU skip the left padding, so left-padding must not change `last`.
  const model = tf.sequential({
    layers: [
      tf.layers.masking({ maskValue: 0, inputShape: [null, 3] }),
      tf.layers.gru({
        units: 5,
        returnSequences: true,
        name: 'gru',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: 2 }),
      }),
      tf.layers.dense({ units: 2, name: 'out' }),
    ],
  });
  const rand = seededRandom(4);
  const lengths = [2, 5, 3, 4];
  const T = 5;
  const rows = lengths.map((L) => Array.from({ length: L }, () => Array.from({ length: 3 }, () => rand() + 0.1)));
  const padded = tf.tensor3d(rows.map((r) => [...Array.from({ length: T - r.length }, () => [0, 0, 0]), ...r]));
  const capture = new ProbeCapture(model, ['gru'], { pooling: 'last' });
  const batch = (await capture.capture(padded)).get('gru')!;
  for (const [i, r] of rows.entries()) {
    const alone = tf.tensor3d([r]);
    const one = (await capture.capture(alone)).get('gru')!;
    close(batch.data.subarray(i * 5, i * 5 + 5), one.data, 1e-5, `row ${i}`);
    alone.dispose();
  }
  padded.dispose();
  model.dispose();
});

test("pooling 'mean' with probes.masks: a right-padded row averages only its real tokens (LM organism, causal)", async () => {
  const model = buildLmModel({ seed: 3, ...LM_RECIPE.model });
  const rand = seededRandom(8);
  const lengths = [3, 8, 5];
  const T = 8;
  const ids = lengths.map((L) => Array.from({ length: T }, (_, t) => (t < L ? 4 + Math.floor(rand() * 50) : 0)));
  const x = tf.tensor2d(ids);
  const mask = tf.tensor2d(lengths.map((L) => Array.from({ length: T }, (_, t) => (t < L ? 1 : 0))));
  const capture = new ProbeCapture(model, ['block_2'], { pooling: 'mean' });
  const masked = (await capture.capture(x, mask)).get('block_2')!;
  const unmasked = (await capture.capture(x)).get('block_2')!;
  const d = masked.cols;
  let differs = 0;
  for (const [i, L] of lengths.entries()) {
    // Causal attention, absolute positions: the first L outputs of the padded row are those of the unpadded prompt.
    const alone = tf.tensor2d([ids[i]!.slice(0, L)]);
    const ref = (await capture.capture(alone)).get('block_2')!;
    alone.dispose();
    close(masked.data.subarray(i * d, (i + 1) * d), ref.data, 1e-4, `row ${i}`);
    if (L < T) differs += Math.abs(unmasked.data[i * d]! - ref.data[0]!) > 1e-4 ? 1 : 0;
  }
  assert.ok(differs >= 1, 'without the mask the padding changes the mean');
  // validateProbes checks the mask's shape against the set, naming it.
  const bad = tf.ones([2, T]);
  assert.throws(() => validateProbes({ train: x, eval: x, masks: { eval: bad } }, model), /probes\.masks\.eval: expected shape \[3, T\].*got \[2, 8\]/);
  tf.dispose([x, mask, bad]);
  model.dispose();
});

test('layers: auto on a transformer watches block outputs (the residual stream), not attention or MLP internals', () => {
  const two = buildLmModel({ seed: 1, ...LM_RECIPE.model });
  assert.deepEqual(resolveLayers(two, 'auto'), ['block_1', 'block_2']);
  const four = buildLmModel({ seed: 1, ...LM_RECIPE.model, blocks: 4 });
  assert.deepEqual(resolveLayers(four, 'auto'), ['block_2', 'block_3', 'block_4']);
  two.dispose();
  four.dispose();
});

/** Right-padded random LM prompts of the given lengths and their masks (1 = real token). */
function rightPadded(lengths: number[], T: number, seed: number): { x: tf.Tensor2D; mask: tf.Tensor2D } {
  const rand = seededRandom(seed);
  const ids = lengths.map((L) => Array.from({ length: T }, (_, t) => (t < L ? 4 + Math.floor(rand() * 50) : 0)));
  return { x: tf.tensor2d(ids, undefined, 'int32'), mask: tf.tensor2d(lengths.map((L) => Array.from({ length: T }, (_, t) => (t < L ? 1 : 0)))) };
}

test('probes.masks on the capture worker: mean pooling with masks gives the inline values, and the masks change them', async () => {
  const policy = parsePolicy(
    'version: 1\ncheck:\n  every: { batches: 1 }\n  layers: [block_1, block_2]\n  rank: 2\n  pooling: mean\nrules:\n  - { name: drift, metric: drift.eval, op: ">", threshold: 1000, severity: warning, actions: [warn] }\n',
  );
  const train = rightPadded([3, 8, 5, 6, 2, 7], 8, 11);
  const evalSet = rightPadded([4, 2, 8, 5, 3, 6], 8, 12);
  const ft = lmFineTuneConfig({ seed: 2, n: 16 });
  const runs: Record<string, { values: Record<string, number | null>[]; where: string[] }> = {};
  try {
    for (const mode of ['inline', 'worker', 'inline-no-masks'] as const) {
      const model = buildLmModel({ seed: 4, ...LM_RECIPE.model });
      model.compile({ optimizer: tf.train.adam(1e-3), loss: lmLoss });
      const guard = emGuard({
        probes: { train: train.x, eval: evalSet.x, ...(mode === 'inline-no-masks' ? {} : { masks: { train: train.mask, eval: evalSet.mask } }) },
        runDir: false,
        policy,
        metrics: 'all',
        capture: mode === 'worker' ? 'worker' : 'inline',
        ...(mode === 'worker' ? { workerImports: ['src/organism/lm/lmLayers.ts'] } : {}),
      });
      const run = { values: [] as Record<string, number | null>[], where: [] as string[] };
      guard.on('check', (c) => {
        run.values.push({ ...c.values });
        run.where.push('workerCapture' in (c.timingsMs ?? {}) ? 'worker' : 'inline');
      });
      try {
        const callbacks = mode === 'worker' ? [new tf.CustomCallback(waitForWorker(guard)), guard] : [guard];
        await model.fit(ft.x, ft.y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0, callbacks });
      } finally {
        guard.dispose();
        model.dispose();
      }
      runs[mode] = run;
    }
  } finally {
    tf.dispose([train.x, train.mask, evalSet.x, evalSet.mask]);
    ft.dispose();
  }
  const inline = runs.inline!;
  const worker = runs.worker!;
  assert.equal(inline.values.length, 4);
  assert.ok(worker.where.filter((w) => w === 'worker').length >= 3, `checks on the worker: ${worker.where.join(' ')}`);
  assert.deepEqual(worker.values, inline.values);
  const noMasks = runs['inline-no-masks']!;
  assert.notEqual(noMasks.values.at(-1)!['drift.eval'], inline.values.at(-1)!['drift.eval'], 'the masks reach the pooling');
});

test("a saved baseline's probe fingerprints cover probes.masks (and stay those of the inputs alone without masks)", () => {
  const a = rightPadded([3, 8, 5], 8, 1);
  const b = rightPadded([4, 8, 5], 8, 1);
  try {
    const plain = probeFingerprints({ train: a.x, eval: a.x });
    const withA = probeFingerprints({ train: a.x, eval: a.x, masks: { eval: a.mask } });
    const withB = probeFingerprints({ train: a.x, eval: a.x, masks: { eval: b.mask } });
    assert.equal(withA.train, plain.train, 'a set without a mask keeps its inputs-only fingerprint');
    assert.notEqual(withA.eval, plain.eval);
    assert.notEqual(withA.eval, withB.eval, 'another mask, another fingerprint');
    assert.deepEqual(probeFingerprints({ train: a.x, eval: a.x, masks: { eval: a.mask } }), withA);
  } finally {
    tf.dispose([a.x, a.mask, b.x, b.mask]);
  }
});
