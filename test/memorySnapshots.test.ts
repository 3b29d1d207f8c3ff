import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { MemorySnapshots } from '../src/checkpoints/MemorySnapshots.js';
import { CheckpointError } from '../src/checkpoints/CheckpointError.js';
import { seededRandom, useBackend } from './helpers.js';

await useBackend();

function makeModel(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 6, inputShape: [3], activation: 'tanh' }), tf.layers.dense({ units: 2 })] });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  return model;
}

async function trainStep(model: tf.LayersModel, seed: number): Promise<void> {
  const r = seededRandom(seed);
  const x = tf.tensor2d(Array.from({ length: 24 }, r), [8, 3]);
  const y = tf.tensor2d(Array.from({ length: 16 }, r), [8, 2]);
  await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, shuffle: false });
  tf.dispose([x, y]);
}

async function weightsOf(model: tf.LayersModel): Promise<number[]> {
  const out: number[] = [];
  for (const w of model.getWeights()) out.push(...(await w.data()));
  return out;
}

const meta = (step: number, safe: boolean) => ({ step, epoch: 0, safe, metrics: { drift: step / 10 } });

test('restore last-safe / latest after training moved on; evicted snapshots keep the newest safe one', async () => {
  const model = makeModel();
  const snaps = new MemorySnapshots({ keep: 2 });
  await trainStep(model, 1);
  snaps.take(model, meta(1, true));
  const safeWeights = await weightsOf(model);
  for (let s = 2; s <= 5; s++) {
    await trainStep(model, s);
    snaps.take(model, meta(s, false));
  }
  const latestWeights = await weightsOf(model);
  assert.deepEqual(
    snaps.list().map((i) => i.step),
    [1, 4, 5],
  );
  assert.equal(snaps.lastSafe()?.step, 1);
  assert.equal(snaps.latest()?.step, 5);
  await trainStep(model, 6);
  assert.equal(snaps.restoreInto(model, 'last-safe').step, 1);
  assert.deepEqual(await weightsOf(model), safeWeights);
  // The snapshot survives training after a restore (the variables were given its values, not it).
  await trainStep(model, 7);
  snaps.restoreInto(model, 'last-safe');
  assert.deepEqual(await weightsOf(model), safeWeights);
  assert.equal(snaps.restoreInto(model, 'latest').step, 5);
  assert.deepEqual(await weightsOf(model), latestWeights);
  // A newer safe snapshot replaces the old one in retention.
  snaps.take(model, meta(8, true));
  assert.deepEqual(
    snaps.list().map((i) => i.step),
    [5, 8],
  );
  snaps.dispose();
  model.dispose();
});

test('tensor count returns to its start value after dispose; live variables are never disposed', async () => {
  const model = makeModel();
  await trainStep(model, 1);
  const start = tf.memory().numTensors;
  const snaps = new MemorySnapshots({ keep: 2 });
  for (let s = 0; s < 6; s++) {
    snaps.take(model, meta(s, s % 3 === 0));
    await trainStep(model, s + 10);
    snaps.restoreInto(model, s % 2 ? 'latest' : 'last-safe');
  }
  assert.ok(tf.memory().numTensors > start);
  snaps.dispose();
  assert.equal(tf.memory().numTensors, start);
  assert.equal(snaps.size, 0);
  await trainStep(model, 99); // variables still usable
  model.dispose();
});

test('errors: nothing to restore, wrong model, bad arguments', () => {
  const model = makeModel();
  const snaps = new MemorySnapshots();
  assert.throws(
    () => snaps.restoreInto(model, 'latest'),
    (e: CheckpointError) => e.code === 'NO_CHECKPOINTS',
  );
  snaps.take(model, meta(1, false));
  assert.throws(
    () => snaps.restoreInto(model, 'last-safe'),
    (e: CheckpointError) => e.code === 'NO_SAFE',
  );
  assert.equal(snaps.lastSafe(), null);
  const other = tf.sequential({ layers: [tf.layers.dense({ units: 7, inputShape: [3] }), tf.layers.dense({ units: 2 })] });
  assert.throws(
    () => snaps.restoreInto(other, 'latest'),
    (e: CheckpointError) => e.code === 'SHAPE_MISMATCH',
  );
  assert.throws(
    () => snaps.restoreInto(model, 'best' as never),
    (e: CheckpointError) => e.code === 'INVALID_ARGUMENT',
  );
  assert.throws(() => new MemorySnapshots({ keep: 0 }), /Expected `keep` to be an integer >= 1, got `0` \(number\)/);
  snaps.dispose();
  for (const m of [model, other]) m.dispose();
});
