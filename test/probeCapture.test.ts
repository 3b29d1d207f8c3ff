import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { resolveLayers } from '../src/probes/resolveLayers.js';
import { validateProbes } from '../src/probes/validateProbes.js';
import { useBackend } from './helpers.js';

await useBackend();

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `index ${i}: ${a[i]} vs ${b[i]}`);
}

test('Sequential MLP: captured rows equal the layer outputs, batched or not', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [5], activation: 'tanh', name: 'h1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 6, activation: 'relu', name: 'h2', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.dense({ units: 3, name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  const x = tf.randomNormal([37, 5], 0, 1, 'float32', 7);
  const whole = await new ProbeCapture(model, ['h1', 'h2']).capture(x);
  const batched = await new ProbeCapture(model, ['h1', 'h2'], { batchSize: 10 }).capture(x);
  const ref = tf.tidy(() => tf.model({ inputs: model.inputs, outputs: model.getLayer('h1').output as tf.SymbolicTensor }).predict(x) as tf.Tensor);
  const h1 = whole.get('h1')!;
  assert.equal(h1.rows, 37);
  assert.equal(h1.cols, 8);
  close(h1.data, ref.dataSync());
  close(batched.get('h1')!.data, h1.data);
  close(batched.get('h2')!.data, whole.get('h2')!.data);
  assert.equal(whole.get('h2')!.cols, 6);
  tf.dispose([x, ref]);
  model.dispose();
});

test('GRU over embeddings: last and mean pooling of a sequence layer', async () => {
  const input = tf.input({ shape: [6], dtype: 'int32' });
  const emb = tf.layers
    .embedding({ inputDim: 20, outputDim: 4, name: 'embed', embeddingsInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 4 }) })
    .apply(input) as tf.SymbolicTensor;
  const seq = tf.layers
    .gru({
      units: 5,
      returnSequences: true,
      name: 'gru',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: 6 }),
    })
    .apply(emb) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, name: 'out' }).apply(tf.layers.globalAveragePooling1d().apply(seq)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const x = tf.tensor2d(
    [
      [1, 2, 3, 4, 5, 6],
      [7, 8, 9, 1, 2, 3],
      [0, 0, 0, 4, 4, 4],
    ],
    undefined,
    'int32',
  );
  const full = tf.tidy(() => tf.model({ inputs: input, outputs: seq }).predict(x) as tf.Tensor3D);
  const last = await new ProbeCapture(model, ['gru', 'embed'], { pooling: 'last' }).capture(x);
  const mean = await new ProbeCapture(model, ['gru'], { pooling: 'mean' }).capture(x);
  const refLast = tf.tidy(() => full.slice([0, 5, 0], [3, 1, 5]).reshape([3, 5]));
  const refMean = tf.tidy(() => full.mean(1));
  close(last.get('gru')!.data, refLast.dataSync());
  close(mean.get('gru')!.data, refMean.dataSync());
  assert.equal(last.get('embed')!.cols, 4);
  tf.dispose([x, full, refLast, refMean]);
  model.dispose();
});

test('LSTM and Conv1D layers pool to one row per probe', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv1d({ filters: 4, kernelSize: 3, inputShape: [10, 2], name: 'conv', activation: 'relu' }),
      tf.layers.lstm({ units: 3, name: 'lstm' }),
      tf.layers.dense({ units: 2, name: 'out' }),
    ],
  });
  const x = tf.randomNormal([7, 10, 2], 0, 1, 'float32', 1);
  const acts = await new ProbeCapture(model, ['conv', 'lstm'], { pooling: 'mean' }).capture(x);
  assert.deepEqual([acts.get('conv')!.rows, acts.get('conv')!.cols], [7, 4]);
  assert.deepEqual([acts.get('lstm')!.rows, acts.get('lstm')!.cols], [7, 3]);
  x.dispose();
  model.dispose();
});

test('multi-input functional model: probes as an array, one tensor per input', async () => {
  const a = tf.input({ shape: [3], name: 'a' });
  const b = tf.input({ shape: [2], name: 'b' });
  const merged = tf.layers.concatenate({ name: 'cat' }).apply([a, b]) as tf.SymbolicTensor;
  const h = tf.layers.dense({ units: 4, name: 'h' }).apply(merged) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [a, b], outputs: tf.layers.dense({ units: 1, name: 'out' }).apply(h) as tf.SymbolicTensor });
  const xa = tf.ones([5, 3]);
  const xb = tf.zeros([5, 2]);
  assert.deepEqual(validateProbes({ train: [xa, xb], eval: [xa, xb] }, model), { train: 5, eval: 5 });
  const acts = await new ProbeCapture(model, ['cat', 'h'], { batchSize: 2 }).capture([xa, xb]);
  assert.deepEqual(Array.from(acts.get('cat')!.data.slice(0, 5)), [1, 1, 1, 0, 0]);
  assert.throws(() => validateProbes({ train: xa, eval: xa }, model), /model has 2 input\(s\) \(a, b\), got 1 tensor/);
  tf.dispose([xa, xb]);
  model.dispose();
});

test('capture leaks no tensors across repeated calls', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 16, inputShape: [8], name: 'h' }), tf.layers.dense({ units: 2, name: 'out' })] });
  const x = tf.randomNormal([100, 8]);
  const cap = new ProbeCapture(model, ['h'], { batchSize: 32 });
  await cap.capture(x);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) await cap.capture(x);
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  model.dispose();
});

test('probe validation names the problem', () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], name: 'h' }), tf.layers.dense({ units: 2, name: 'out' })] });
  const good = tf.ones([4, 3]);
  const wrong = tf.ones([4, 5]);
  const empty = tf.ones([0, 3]);
  assert.throws(() => validateProbes({ train: wrong, eval: good }, model), /probes\.train: shape \[4, 5\] does not fit model input `.*` of shape \[null, 3\]/);
  assert.throws(() => validateProbes({ train: good, eval: empty }, model), /probes\.eval: the probe set is empty/);
  assert.throws(() => validateProbes({ train: good, eval: good, alignment: { inputs: good } }, model), /give `expected`/);
  assert.throws(
    () => validateProbes({ train: good, eval: good, alignment: { inputs: good, expected: [0, 1] } }, model),
    /has 2 rows, probes\.alignment\.inputs has 4/,
  );
  const disposed = tf.ones([2, 3]);
  disposed.dispose();
  assert.throws(() => validateProbes({ train: good, eval: disposed }, model), /already disposed/);
  tf.dispose([good, wrong, empty]);
  model.dispose();
});

test('layer resolution: auto picks hidden weighted layers, unknown names list the available ones', () => {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 4, inputShape: [3], name: 'd1' }),
      tf.layers.dropout({ rate: 0.1, name: 'drop' }),
      tf.layers.dense({ units: 4, name: 'd2' }),
      tf.layers.dense({ units: 4, name: 'd3' }),
      tf.layers.dense({ units: 4, name: 'd4' }),
      tf.layers.dense({ units: 4, name: 'd5' }),
      tf.layers.dense({ units: 2, name: 'out' }),
    ],
  });
  const auto = resolveLayers(model, 'auto');
  assert.equal(auto.length, 3);
  assert.equal(auto.at(-1), 'd5');
  assert.ok(!auto.includes('out') && !auto.includes('drop'));
  assert.deepEqual(resolveLayers(model, ['d2']), ['d2']);
  assert.throws(() => resolveLayers(model, ['dense_9']), /unknown layer `dense_9` in model `.*`; available: d1, drop, d2, d3, d4, d5, out/);
  assert.throws(() => resolveLayers(model, []), /non-empty array/);
  assert.throws(() => resolveLayers(model, ['d2', 'd2']), /listed twice/);
  model.dispose();
});

test("wasm's dataSync returns a private copy (the capture worker moves it to its thread without copying again)", async () => {
  const t = tf.tensor([1, 2, 3], [3], 'float32');
  const previous = tf.getBackend();
  await import('@tensorflow/tfjs-backend-wasm');
  try {
    assert.ok(await tf.setBackend('wasm'));
    const w = t.clone();
    const a = w.dataSync() as Float32Array;
    const b = w.dataSync() as Float32Array;
    assert.notEqual(a.buffer, b.buffer);
    assert.equal(a.byteLength, a.buffer.byteLength);
    structuredClone(a, { transfer: [a.buffer as ArrayBuffer] }); // what postMessage's transfer does: detaches `a`
    assert.equal(a.length, 0);
    assert.deepEqual([...w.dataSync()], [1, 2, 3]);
    w.dispose();
  } finally {
    await tf.setBackend(previous);
    t.dispose();
  }
});

test('capture into kept arrays: the same values as fresh ones, batched or not, in the same arrays at the next call; no tensor left', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [5], activation: 'tanh', name: 'h1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 6, activation: 'relu', name: 'h2', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const x = tf.randomNormal([37, 5], 0, 1, 'float32', 7);
  const x2 = tf.randomNormal([37, 5], 0, 1, 'float32', 8);
  for (const batchSize of [256, 10]) {
    const capture = new ProbeCapture(model, ['h1', 'h2'], { batchSize });
    const into = new Map<string, Float32Array>();
    const before = tf.memory().numTensors;
    const first = await capture.capture(x, undefined, into);
    const fresh = await capture.capture(x);
    for (const layer of ['h1', 'h2']) {
      assert.equal(first.get(layer)!.data, into.get(layer), `${layer} is captured into the kept array`);
      assert.deepEqual(first.get(layer)!.data, fresh.get(layer)!.data, `${layer}, batch ${batchSize}: bit-identical values`);
      assert.equal(first.get(layer)!.cols, fresh.get(layer)!.cols);
    }
    const kept = into.get('h1');
    const second = await capture.capture(x2, undefined, into);
    assert.equal(into.get('h1'), kept, 'the next call reuses the array');
    assert.deepEqual(second.get('h1')!.data, (await capture.capture(x2)).get('h1')!.data);
    assert.equal(tf.memory().numTensors, before);
  }
  tf.dispose([x, x2]);
  model.dispose();
});
