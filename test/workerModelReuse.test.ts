import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { workerModelKey } from '../src/probes/workerModelKey.js';
import { useBackend } from './helpers.js';

const mlp = (units: number, seed: number) =>
  tf.sequential({
    layers: [
      tf.layers.dense({ units, inputShape: [6], activation: 'relu', name: 'h1', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 3, name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });

test('a warm capture thread keeps the model of an earlier fit of the same architecture (another model object, other weights) and rebuilds for another one; each captures as inline', async () => {
  await useBackend();
  const x = tf.randomNormal([20, 6], 0, 1, 'float32', 7);
  // The second: the same architecture (initializers included: they are part of the topology), other weights.
  const models = [mlp(12, 1), mlp(12, 1), mlp(10, 1)];
  const scaled = models[1]!.getWeights().map((w) => tf.tidy(() => w.mul(1.5)));
  models[1]!.setWeights(scaled);
  tf.dispose(scaled);
  const before = tf.memory().numTensors;
  let session: WorkerCapture | null = null;
  const reused: boolean[] = [];
  try {
    for (const model of models) {
      const inline = new ProbeCapture(model, ['h1'], { pooling: 'last', batchSize: 256 });
      session = new WorkerCapture(model, ['h1'], { pooling: 'last', batchSize: 256 }, new Map([['eval', x]]));
      await session.ready;
      reused.push(session.reusedModel);
      const got = await session.capture(model, ['eval'], []);
      // Bit-identical to the training thread's own capture of this model's weights, not the previous model's.
      assert.deepEqual(got.activations.get('eval'), await inline.capture(x));
      await session.release(); // the thread stays for the next session
      session = null;
    }
  } finally {
    await (session as WorkerCapture | null)?.release({ discard: true });
  }
  assert.deepEqual(reused, [false, true, false]);
  x.dispose();
  for (const m of models) m.dispose();
  assert.ok(tf.memory().numTensors <= before, `tensors: ${before} before, ${tf.memory().numTensors} after`);
});

test('workerModelKey: the model name does not count, layers, watched layers, backend and settings do; a stateful layer is never reused', () => {
  const init = (topology: unknown, over: Partial<Parameters<typeof workerModelKey>[0]> = {}) =>
    workerModelKey({ topology, backend: 'wasm', imports: [], layers: ['h1'], pooling: 'last', batchSize: 256, weightShapes: [[6, 12]], ...over });
  const topo = (name: string, units = 12, stateful = false) => ({
    class_name: 'Sequential',
    config: { name, layers: [{ class_name: 'Dense', config: { name: 'h1', units, stateful } }] },
  });
  const a = init(topo('sequential_1'));
  assert.ok(a !== null);
  assert.equal(init(topo('sequential_7')), a);
  assert.notEqual(init(topo('sequential_1', 10)), a);
  assert.notEqual(init(topo('sequential_1'), { layers: ['out'] }), a);
  assert.notEqual(init(topo('sequential_1'), { backend: 'cpu' }), a);
  assert.notEqual(init(topo('sequential_1'), { pooling: 'mean' }), a);
  assert.notEqual(init(topo('sequential_1'), { batchSize: 64 }), a);
  assert.notEqual(init(topo('sequential_1'), { imports: ['file:///x.js'] }), a);
  assert.equal(init(topo('sequential_1', 12, true)), null);
});
