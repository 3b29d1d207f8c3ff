import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { useBackend } from './helpers.js';

test('a warm capture thread keeps the probe tensors of the previous fit: the same tensors are not sent again, a new one is, and both capture as inline', async () => {
  await useBackend();
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 12, inputShape: [6], activation: 'relu', name: 'h1' }), tf.layers.dense({ units: 3, name: 'out' })],
  });
  const x = tf.randomNormal([20, 6], 0, 1, 'float32', 7);
  const y1 = tf.randomNormal([16, 6], 0, 1, 'float32', 8);
  const y2 = tf.randomNormal([16, 6], 0, 1, 'float32', 9);
  const inline = new ProbeCapture(model, ['h1'], { pooling: 'last', batchSize: 256 });
  // What each session's init sent for its probe sets: the tensors, or `kept`.
  const sent: Record<string, string>[] = [];
  const proto = Worker.prototype as unknown as { postMessage: (this: Worker, msg: unknown, transfer?: readonly ArrayBuffer[]) => void };
  const post = proto.postMessage;
  proto.postMessage = function (this: Worker, msg: unknown, transfer?: readonly ArrayBuffer[]) {
    const m = msg as { type?: string; sets?: Record<string, unknown> };
    if (m.type === 'init') sent.push(Object.fromEntries(Object.entries(m.sets!).map(([k, v]) => [k, v === 'kept' ? 'kept' : 'sent'])));
    post.call(this, msg, transfer);
  };
  await inline.capture(x); // builds the inline sub-model before the count
  const before = tf.memory().numTensors;
  let session: WorkerCapture | null = null;
  try {
    const check = async (sets: [string, tf.Tensor][]) => {
      session = new WorkerCapture(model, ['h1'], { pooling: 'last', batchSize: 256 }, new Map(sets));
      await session.ready;
      const got = await session.capture(
        model,
        sets.map(([name]) => name),
        [],
      );
      for (const [name, t] of sets) assert.deepEqual(got.activations.get(name), await inline.capture(t), name);
    };
    await check([
      ['eval', x],
      ['train', y1],
    ]);
    await session!.release(); // the thread stays for the next session
    const scaled = model.getWeights().map((w) => tf.tidy(() => w.mul(1.5)));
    model.setWeights(scaled); // other weights: not a stale answer
    tf.dispose(scaled);
    await check([
      ['eval', x],
      ['train', y2],
    ]);
    assert.deepEqual(sent, [
      { eval: 'sent', train: 'sent' },
      { eval: 'kept', train: 'sent' },
    ]);
  } finally {
    proto.postMessage = post;
    await (session as WorkerCapture | null)?.release({ discard: true });
    tf.dispose([x, y1, y2]);
  }
  assert.ok(tf.memory().numTensors <= before, `tensors: ${before} before, ${tf.memory().numTensors} after`);
  model.dispose();
});
