import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { alignedMixer } from '../src/mitigation/AlignedMixer.js';

// Task rows carry y = 0, aligned rows y = 1, and x = the row's own index, so a batch tells what it holds.
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

test('alignedMixer: the share in force sets the aligned rows of each batch, and the expected share is exact', async () => {
  const { task, aligned } = sets(640, 100);
  const mixer = alignedMixer({ task, aligned, batchSize: 32, share: 0.3, seed: 7 });
  assert.equal(mixer.batchesPerEpoch, 20);
  const batches = await drain(mixer.dataset);
  assert.equal(batches.length, 20);
  for (const b of batches) {
    assert.equal(b.length, 32);
    const k = b.filter((v) => v >= 1000).length;
    // 0.3 · 32 = 9.6 rows: stochastic rounding gives 9 or 10.
    assert.ok(k === 9 || k === 10, `batch has ${k} aligned rows`);
  }
  const s = mixer.stats;
  assert.equal(s.taskRows + s.alignedRows, 640);
  // Expected 0.3; 20 Bernoulli(0.6) roundings put it within 0.3 ± 20·1/640.
  assert.ok(Math.abs(s.alignedShareUsed - 0.3) < 20 / 640, `used ${s.alignedShareUsed}`);
  tf.dispose([task.x, task.y, aligned.x, aligned.y]);
});

test('alignedMixer: same seed and same share changes give the same batches; a change applies from the next batch', async () => {
  const run = async (seed: number) => {
    const { task, aligned } = sets(200, 50);
    const mixer = alignedMixer({ task, aligned, batchSize: 20, seed });
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
  const aligned = a.map((b) => b.filter((v) => v >= 1000).length);
  assert.deepEqual(aligned, [0, 0, 0, 0, 10, 10, 10, 10, 0, 0]);
  // Share 0: every task row once per pass (no repeats within the first 80 rows served).
  const firstTask = a.slice(0, 4).flat();
  assert.equal(new Set(firstTask).size, 80);
});

test('alignedMixer: validates its arguments and leaks no tensors through fitDataset', async () => {
  const { task, aligned } = sets(64, 16);
  assert.throws(() => alignedMixer({ task, aligned, share: 1.5 }), /expected `share` to be a number in \[0, 1\], got `1.5`/);
  assert.throws(() => alignedMixer({ task, aligned: { x: tf.zeros([4, 2]), y: tf.zeros([4, 1]) } }), /same shapes past the first axis/);
  assert.throws(() => alignedMixer({ task: { x: task.x, y: tf.zeros([3, 1]) }, aligned }), /`task.x` has 64 rows but `task.y` has 3/);
  const mixer = alignedMixer({ task, aligned, batchSize: 16, share: 0.25, seed: 1 });
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
  model.compile({ optimizer: tf.train.sgd(1e-6), loss: 'meanSquaredError' });
  await model.fitDataset(mixer.dataset, { epochs: 1, verbose: 0 });
  const before = tf.memory().numTensors;
  await model.fitDataset(mixer.dataset, { epochs: 2, verbose: 0 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(mixer.stats.batches, 12);
  model.dispose();
  tf.dispose([task.x, task.y, aligned.x, aligned.y]);
});
