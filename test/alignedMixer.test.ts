import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { alignedMixer } from '../src/mitigation/AlignedMixer.js';

// Task rows have x = their index (< 1000), aligned rows x = 1000 + index, so a batch tells what it holds.
function sets(nTask: number, nAligned: number) {
  return {
    task: { x: tf.range(0, nTask).reshape([nTask, 1]), y: tf.zeros([nTask, 1]) },
    aligned: { x: tf.range(1000, 1000 + nAligned).reshape([nAligned, 1]), y: tf.ones([nAligned, 1]) },
  };
}

async function drain(ds: tf.data.Dataset<tf.TensorContainer>, onBatch?: (i: number) => void): Promise<number[][]> {
  const out: number[][] = [];
  const it = await ds.iterator();
  for (let i = 0; ; i++) {
    onBatch?.(i);
    const r = await it.next();
    if (r.done) break;
    const { xs, ys } = r.value as { xs: tf.Tensor; ys: tf.Tensor };
    out.push([...(await xs.data())]);
    assert.equal(xs.shape[0], ys.shape[0]);
    tf.dispose([xs, ys]);
  }
  return out;
}

const alignedRows = (b: number[]) => b.filter((v) => v >= 1000).length;

test('alignedMixer: an epoch serves every task row once, with aligned rows on top at the share in force', async () => {
  const { task, aligned } = sets(640, 100);
  const mixer = alignedMixer({ task, aligned, batchSize: 32, share: 0.3, seed: 7 });
  const batches = await drain(mixer.dataset);
  const taskServed = batches.flat().filter((v) => v < 1000);
  assert.deepEqual(
    [...taskServed].sort((a, b) => a - b),
    Array.from({ length: 640 }, (_, i) => i),
  );
  for (const b of batches.slice(0, -1)) {
    assert.equal(b.length, 32);
    // 0.3 · 32 = 9.6 rows: stochastic rounding gives 9 or 10.
    assert.ok(alignedRows(b) === 9 || alignedRows(b) === 10, `batch has ${alignedRows(b)} aligned rows`);
  }
  const s = mixer.stats;
  assert.equal(s.taskRows, 640);
  assert.equal(s.batches, batches.length);
  // 640 task rows at 22.4 per batch: 28.6 batches, and a used share near 0.3 (± one batch's rounding).
  assert.ok(batches.length >= 28 && batches.length <= 30, `${batches.length} batches`);
  assert.ok(Math.abs(s.alignedShareUsed - 0.3) < 0.02, `used ${s.alignedShareUsed}`);
  tf.dispose([task.x, task.y, aligned.x, aligned.y]);
});

test('alignedMixer: same seed and same share changes give the same batches; a change applies from the next batch', async () => {
  const run = async (seed: number) => {
    const { task, aligned } = sets(200, 50);
    const mixer = alignedMixer({ task, aligned, batchSize: 20, seed, batchesPerEpoch: 10 });
    const batches = await drain(mixer.dataset, (i) => {
      if (i === 4) mixer.share = 0.5;
      if (i === 8) mixer.share = 0;
    });
    tf.dispose([task.x, task.y, aligned.x, aligned.y]);
    return batches;
  };
  const a = await run(3);
  assert.deepEqual(a, await run(3));
  assert.notDeepEqual(a, await run(4));
  assert.deepEqual(a.map(alignedRows), [0, 0, 0, 0, 10, 10, 10, 10, 0, 0]);
  // Share 0: task rows in a seeded order without repeats within a pass.
  assert.equal(new Set(a.slice(0, 4).flat()).size, 80);
});

test('alignedMixer: validates its arguments and leaks no tensors through fitDataset', async () => {
  const { task, aligned } = sets(64, 16);
  assert.throws(() => alignedMixer({ task, aligned, share: 1 }), /expected `share` to be a number in \[0, 0.9\], got `1`/);
  assert.throws(() => alignedMixer({ task, aligned: { x: tf.zeros([4, 2]), y: tf.zeros([4, 1]) } }), /same shapes past the first axis/);
  assert.throws(() => alignedMixer({ task: { x: task.x, y: tf.zeros([3, 1]) }, aligned }), /`task.x` has 64 rows but `task.y` has 3/);
  const mixer = alignedMixer({ task, aligned, batchSize: 16, share: 0.25, seed: 1 });
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
  model.compile({ optimizer: tf.train.sgd(1e-6), loss: 'meanSquaredError' });
  await model.fitDataset(mixer.dataset, { epochs: 1, verbose: 0 });
  const before = tf.memory().numTensors;
  await model.fitDataset(mixer.dataset, { epochs: 2, verbose: 0 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(mixer.stats.taskRows, 3 * 64);
  model.dispose();
  tf.dispose([task.x, task.y, aligned.x, aligned.y]);
});
