// Sequence probes: left-padded prompt batches with `last` pooling, mask-aware `mean` pooling of
// right-padded batches, and `layers: auto` on a transformer (its block outputs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { resolveLayers } from '../src/probes/resolveLayers.js';
import { validateProbes } from '../src/probes/validateProbes.js';
import { buildLmModel } from '../src/organism/lm/buildLmModel.js';
import { LM_RECIPE } from '../src/organism/lm/lmRecipe.js';
import { seededRandom, useBackend } from './helpers.js';

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
