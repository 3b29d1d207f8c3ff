import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyToShared, SharedBufferPool, SharedLayouts } from '../src/probes/sharedWeights.js';
import { WeightList } from '../src/probes/WeightList.js';
import { useBackend } from './helpers.js';

function mlp(): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.dense({ units: 4, inputShape: [3], name: 'a' }), tf.layers.batchNormalization({ name: 'bn' }), tf.layers.dense({ units: 2, name: 'b' })],
  });
}

const names = (vars: readonly { name: string }[]) => vars.map((v) => v.name);

test('WeightList keeps model.weights between reads and follows every change of its order (a layer, a variable, a nested layer)', async () => {
  await useBackend('wasm');
  const model = mlp();
  const list = new WeightList();
  try {
    const first = list.of(model);
    assert.deepEqual(names(first), names(model.weights));
    assert.equal(list.of(model), first, 'unchanged flags: the kept list, not a new one');

    model.getLayer('a').trainable = false; // its kernel and bias move behind the trainable weights
    assert.notDeepEqual(names(model.weights), names(first));
    assert.deepEqual(names(list.of(model)), names(model.weights));

    model.getLayer('a').trainable = true;
    assert.deepEqual(names(list.of(model)), names(model.weights));
    model.getLayer('b').trainableWeights[0]!.trainable = false; // one variable only
    assert.deepEqual(names(list.of(model)), names(model.weights));

    // A layer inside a nested model.
    const inner = mlp();
    const outer = tf.sequential({ layers: [inner, tf.layers.dense({ units: 1, name: 'c' })] });
    const kept = list.of(outer);
    assert.deepEqual(names(kept), names(outer.weights));
    inner.getLayer('bn').trainable = false;
    assert.notDeepEqual(names(outer.weights), names(kept));
    assert.deepEqual(names(list.of(outer)), names(outer.weights));
    assert.deepEqual(names(list.of(model)), names(model.weights), 'another model: read again');
    outer.dispose();
  } finally {
    model.dispose();
  }
});

test('SharedLayouts: a layout reuses its views of a buffer, alternating layouts keep theirs, the values are the tensors of the call', async () => {
  await useBackend('wasm');
  const weights = [tf.tensor([1, 2, 3], [3]), tf.tensor([[4, 5]], [1, 2])];
  const extra = [tf.scalar(7, 'int32'), tf.tensor([0.5, 0.25], [2])];
  const layouts = new SharedLayouts();
  const pool = new SharedBufferPool();
  const withExtra = [...weights, ...extra];
  const buffer = pool.take(layouts.of(withExtra).bytes);
  try {
    const a = copyToShared(weights, buffer, layouts.of(weights));
    const b = copyToShared(withExtra, buffer, layouts.of(withExtra));
    assert.equal(copyToShared(weights, buffer, layouts.of(weights)), a, 'same layout and buffer: the same views');
    assert.equal(copyToShared(withExtra, buffer, layouts.of(withExtra)), b);
    assert.deepEqual(
      b.map((t) => [t.dtype, t.shape, [...t.data]]),
      [
        ['float32', [3], [1, 2, 3]],
        ['float32', [1, 2], [4, 5]],
        ['int32', [], [7]],
        ['float32', [2], [0.5, 0.25]],
      ],
    );
    // New values of the same shapes: copied into the kept views.
    const next = [tf.tensor([9, 8, 7], [3]), tf.tensor([[6, 5]], [1, 2])];
    assert.deepEqual(
      copyToShared(next, buffer, layouts.of(next)).map((t) => [...t.data]),
      [
        [9, 8, 7],
        [6, 5],
      ],
    );
    // Other shapes: another layout, not the kept views.
    const other = [tf.tensor([1, 2], [2])];
    const c = copyToShared(other, buffer, layouts.of(other));
    assert.notEqual(c, a);
    assert.deepEqual(c[0]!.shape, [2]);
    tf.dispose([...next, ...other]);
  } finally {
    tf.dispose(withExtra);
    pool.give(buffer);
  }
});
