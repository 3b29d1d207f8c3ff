import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureOutput } from '../src/probes/captureOutput.js';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { installWasmSliceKernels } from '../src/probes/wasmSliceKernels.js';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { seededRandom, useBackend } from './helpers.js';

/** A tensor's shape, dtype and bytes (so NaN payloads and -0 count, unlike a value comparison). */
function bytesOf(t: tf.Tensor): { shape: number[]; dtype: string; bytes: Buffer } {
  const v = t.dataSync() as Float32Array | Int32Array | Uint8Array;
  return { shape: t.shape, dtype: t.dtype, bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength) };
}

test("the heap-copy Slice, SplitV and Unpack kernels give the wasm backend kernels' bytes (ranks 1-4, float32 with NaN payloads and -0, int32, bool), then put them back", async () => {
  await useBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const rand = seededRandom(11);
  const int = (n: number) => Math.floor(rand() * n);
  const tensors: tf.Tensor[] = [];
  for (let i = 0; i < 40; i++) {
    const rank = 1 + (i % 4);
    const shape = Array.from({ length: rank }, () => 1 + int(5));
    const size = shape.reduce((a, b) => a * b, 1);
    const dtype = (['float32', 'int32', 'bool'] as const)[i % 3]!;
    if (dtype === 'float32') {
      const bits = Int32Array.from({ length: size }, () => (rand() * 2 ** 32) | 0);
      bits[0] = 0x7fa00001; // a signalling NaN with a payload
      if (size > 1) bits[1] = 0x80000000 | 0; // -0
      tensors.push(tf.tensor(new Float32Array(bits.buffer), shape, 'float32'));
    } else if (dtype === 'int32')
      tensors.push(
        tf.tensor(
          Int32Array.from({ length: size }, () => (rand() * 2 ** 32) | 0),
          shape,
          'int32',
        ),
      );
    else
      tensors.push(
        tf.tensor(
          Uint8Array.from({ length: size }, () => int(2)),
          shape,
          'bool',
        ),
      );
  }
  // The same ops, drawn once, run with each kernel set.
  const ops: ((t: tf.Tensor) => tf.Tensor[])[] = [];
  for (const x of tensors) {
    const begin = x.shape.map((d) => int(d));
    const size = x.shape.map((d, j) => (rand() < 0.2 ? -1 : int(d - begin[j]! + 1)));
    const axis = int(x.rank);
    const first = int(x.shape[axis]! + 1);
    ops.push(
      (t) => [tf.slice(t, begin, size)],
      (t) => [tf.slice(t, 0, t.shape[0])],
      (t) => tf.split(t, [first, t.shape[axis]! - first], axis),
      (t) => tf.split(t, [0, -1], axis),
      (t) => tf.unstack(t, axis),
    );
  }
  const run = () =>
    ops.map((op, i) => {
      const out = op(tensors[Math.floor(i / 5)]!);
      try {
        return out.map(bytesOf);
      } finally {
        tf.dispose(out);
      }
    });
  const original = tf.getKernel('Slice', 'wasm')!.kernelFunc;
  const before = tf.memory().numTensors;
  const expected = run();
  const uninstall = installWasmSliceKernels();
  try {
    assert.notEqual(tf.getKernel('Slice', 'wasm')!.kernelFunc, original, 'the Slice kernel was replaced');
    const got = run();
    for (let i = 0; i < ops.length; i++)
      assert.deepEqual(got[i], expected[i], `op ${i} on ${tensors[Math.floor(i / 5)]!.dtype} [${tensors[Math.floor(i / 5)]!.shape.join(', ')}]`);
    // A rank-5 slice goes to the backend's own kernel.
    const five = tf.tidy(() => tf.slice(tf.reshape(tf.range(0, 64, 1, 'float32'), [2, 2, 2, 2, 4]), [0, 1, 0, 1, 1], [2, 1, 2, 1, 2]));
    assert.deepEqual([...five.dataSync()], [21, 22, 29, 30, 53, 54, 61, 62]);
    five.dispose();
  } finally {
    uninstall();
  }
  assert.equal(tf.getKernel('Slice', 'wasm')!.kernelFunc, original, 'the original Slice kernel is back');
  assert.equal(tf.memory().numTensors, before);
  tf.dispose(tensors);
});

test('a GRU on the capture worker (its wasm Slice/SplitV/Unpack replaced) captures and predicts the inline values bit for bit', async () => {
  await useBackend();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [5, 4], name: 'proj', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.gru({
        units: 6,
        name: 'gru',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        recurrentInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      }),
      tf.layers.dense({ units: 3, name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
  const evalX = tf.randomNormal([40, 5, 4], 0, 1, 'float32', 5);
  const alignX = tf.randomNormal([40, 5, 4], 0, 1, 'float32', 6);
  const layers = ['proj', 'gru'];
  const same = (a: Float32Array, b: Float32Array, what: string) =>
    assert.ok(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), `${what}: bytes differ`);
  for (const pooling of ['last', 'mean'] as const) {
    // batchSize 16: several forward passes per set (the row slices of each batch too).
    const inline = new ProbeCapture(model, layers, { pooling, batchSize: 16 });
    const worker = new WorkerCapture(
      model,
      layers,
      { pooling, batchSize: 16 },
      new Map([
        ['eval', evalX],
        ['alignment', alignX],
      ]),
    );
    try {
      await worker.ready;
      const before = tf.memory().numTensors;
      const got = await worker.capture(model, ['eval'], ['alignment']);
      const acts = await inline.capture(evalX);
      for (const layer of layers) {
        const w = got.activations.get('eval')!.get(layer)!;
        const i = acts.get(layer)!;
        assert.deepEqual([w.rows, w.cols], [i.rows, i.cols]);
        same(w.data as Float32Array, i.data as Float32Array, `${pooling} ${layer}`);
      }
      const out = await captureOutput(model, alignX, 16);
      assert.deepEqual(got.outputs.get('alignment')!.shape, out.shape);
      same(got.outputs.get('alignment')!.data, out.data, `${pooling} output`);
      assert.equal(tf.memory().numTensors, before);
    } finally {
      await worker.release({ discard: true });
    }
  }
  tf.dispose([evalX, alignX]);
  model.dispose();
});
