import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { copyToShared, KEPT_FREE_BUFFERS, SharedBufferPool, sharedBytes, wasmHeapView } from '../src/probes/sharedWeights.js';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { useBackend } from './helpers.js';

/** Tensors of every dtype the copy takes, sizes not multiples of 4 (the offsets must stay aligned). */
function mixed(): tf.Tensor[] {
  return [
    tf.tensor([1.5, -2.25, 3e-8], [3], 'float32'),
    tf.tensor([true, false, true, true, false], [5], 'bool'),
    tf.tensor(
      [
        [7, -8],
        [2147483647, -2147483648],
      ],
      [2, 2],
      'int32',
    ),
    tf.randomNormal([17, 13], 0, 1, 'float32', 3),
  ];
}

test('wasmHeapView sees the very bytes dataSync copies out (float32, int32, bool); null on the cpu backend', async () => {
  await useBackend('wasm');
  const list = mixed();
  const w = tf.variable(tf.randomNormal([9, 7], 0, 1, 'float32', 4));
  w.assign(tf.add(w, 1)); // a variable after an update, as a model's weight is at a check
  try {
    for (const t of [...list, w]) {
      const view = wasmHeapView(t);
      assert.ok(view, `a view of the ${t.dtype} tensor`);
      assert.deepEqual([...view], [...t.dataSync()]);
      assert.equal(view.constructor, t.dataSync().constructor);
    }
  } finally {
    tf.dispose(list);
    w.dispose();
  }
  await useBackend('cpu');
  const t = tf.ones([3]);
  assert.equal(wasmHeapView(t), null);
  t.dispose();
});

test('copyToShared: the values of dataSync, end to end in one reused buffer, on wasm and on cpu; no tensor left behind', async () => {
  for (const backend of ['wasm', 'cpu']) {
    await useBackend(backend);
    const list = mixed();
    const pool = new SharedBufferPool();
    const before = tf.memory().numTensors;
    try {
      const buffer = pool.take(sharedBytes(list));
      for (let round = 0; round < 3; round++) {
        const copied = copyToShared(list, buffer);
        copied.forEach((c, i) => {
          assert.equal(c.data.buffer, buffer, 'a view of the shared buffer, no allocation');
          assert.equal(c.data.byteOffset % 4, 0);
          assert.deepEqual(c.shape, list[i]!.shape);
          assert.equal(c.dtype, list[i]!.dtype);
          assert.deepEqual([...c.data], [...list[i]!.dataSync()], `${backend}: tensor ${i} (${list[i]!.dtype})`);
        });
        // Ranges do not overlap: writing one copy leaves the others as they were.
        copied[0]!.data.fill(0);
        assert.deepEqual([...copied[3]!.data], [...list[3]!.dataSync()]);
      }
      pool.give(buffer);
      assert.equal(pool.take(16), buffer, 'a given-back buffer is reused');
      assert.notEqual(pool.take(16), buffer, 'a taken one is not handed out twice');
      assert.equal(tf.memory().numTensors, before);
    } finally {
      tf.dispose(list);
    }
  }
});

test('worker captures from shared buffers: two requests in flight keep their own weights; a reused buffer gives the new ones', async () => {
  await useBackend();
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 12, inputShape: [6], activation: 'relu', name: 'h1' }), tf.layers.dense({ units: 3, name: 'out' })],
  });
  const x = tf.randomNormal([20, 6], 0, 1, 'float32', 7);
  const inline = new ProbeCapture(model, ['h1'], { pooling: 'last', batchSize: 256 });
  const setAll = (v: number) =>
    tf.tidy(() => model.setWeights(model.getWeights().map((w) => tf.fill(w.shape, v).add(tf.randomNormal(w.shape, 0, 0.1, 'float32', v * 10)))));
  const worker = new WorkerCapture(model, ['h1'], { pooling: 'last', batchSize: 256 }, new Map([['eval', x]]));
  const before = tf.memory().numTensors;
  try {
    // Sent before the worker is up: both wait behind its start, so the second copy is made while
    // the first request's values are still unread there (a shared buffer reused too early fails this).
    setAll(0.5);
    const want1 = await inline.capture(x);
    const first = worker.capture(model, ['eval'], []);
    setAll(-0.25);
    const want2 = await inline.capture(x);
    const second = worker.capture(model, ['eval'], []);
    assert.deepEqual((await first).activations.get('eval'), want1);
    assert.deepEqual((await second).activations.get('eval'), want2);
    // Both answered: their buffers are reused now.
    for (const v of [1, 2]) {
      setAll(v);
      assert.deepEqual((await worker.capture(model, ['eval'], [])).activations.get('eval'), await inline.capture(x));
    }
  } finally {
    await worker.release({ discard: true });
    tf.dispose(x);
  }
  assert.ok(tf.memory().numTensors <= before, `tensors: ${before} before, ${tf.memory().numTensors} after`);
  model.dispose();
});

test('SharedBufferPool: a buffer given back by one pool (one fit) is reused by the next, the smallest that fits first; at most KEPT_FREE_BUFFERS are kept', () => {
  // Sizes larger than any other test's buffers, so buffers other tests gave back are never the answer.
  const big = 8 << 20;
  const a = new SharedBufferPool();
  const b = new SharedBufferPool();
  const x = a.take(big + 4);
  const y = a.take(big + 400);
  assert.notEqual(x, y);
  a.give(y);
  a.give(x);
  assert.equal(b.take(big + 1), x, 'another pool (the next fit) takes what the first gave back: the smallest that fits');
  assert.equal(b.take(big + 1), y);
  const fresh = b.take(big + 1);
  assert.ok(fresh !== x && fresh !== y && fresh.byteLength >= big + 1, 'none free: a new one');
  // Bounded: of KEPT_FREE_BUFFERS + 1 given back, the smallest is dropped.
  const many = Array.from({ length: KEPT_FREE_BUFFERS + 1 }, (_, i) => a.take(big + 1000 * (i + 1)));
  for (const buffer of many) a.give(buffer);
  const back = many.map(() => b.take(big + 1));
  assert.deepEqual(back.slice(0, KEPT_FREE_BUFFERS), many.slice(1), 'the larger ones kept, handed out smallest first');
  assert.ok(!many.includes(back.at(-1)!), 'the smallest was not kept');
});
