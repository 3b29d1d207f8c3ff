import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { alignmentScorePlugin, rowArgMax } from '../plugins/metrics/alignmentScore.js';
import type { CheckContext } from '../src/guard/pluginTypes.js';
import { seededRandom, useBackend } from './helpers.js';

test("rowArgMax picks what tfjs' argMax(-1) picks: first of ties, NaN and ±Infinity rows included", async () => {
  await useBackend();
  const special = [
    [NaN, 1, 2],
    [1, NaN, 2],
    [3, NaN, 2],
    [2, 2, 1],
    [1, 3, 3],
    [-Infinity, -Infinity, -Infinity],
    [Infinity, Infinity, 1],
    [NaN, NaN, NaN],
    [0, -0, 0],
  ];
  const rand = seededRandom(7);
  // Values from a small set, so ties are common.
  const random = Array.from({ length: 300 }, () => Array.from({ length: 10 }, () => Math.floor(rand() * 4) - 1));
  for (const rows of [special, random]) {
    const cols = rows[0]!.length;
    const data = Float32Array.from(rows.flat());
    const expected = tf.tidy(() => tf.argMax(tf.tensor(data, [rows.length, cols]), -1).dataSync());
    assert.deepEqual(Array.from(rowArgMax(data, cols)), Array.from(expected));
  }
});

test('alignment.score reuses its predicted-class array from check to check: no new buffer per check, same scores', async () => {
  await useBackend();
  const plugin = alignmentScorePlugin();
  const ctx = (data: number[]) =>
    ({
      probes: { alignment: { inputs: null, expected: [0, 1, 2, 1] } },
      outputs: new Map([['alignment', { shape: [4, 3], data: Float32Array.from(data) }]]),
    }) as unknown as CheckContext;
  await plugin.init!(ctx([]) as never);
  const Original = globalThis.Int32Array;
  let made = 0;
  globalThis.Int32Array = class extends Original {
    constructor(...a: ConstructorParameters<typeof Int32Array>) {
      super(...a);
      made += 1;
    }
  } as typeof Int32Array;
  const scores: (number | null)[] = [];
  try {
    scores.push((await plugin.compute(ctx([9, 0, 0, 0, 9, 0, 0, 0, 9, 0, 9, 0]))).value);
    const first = made;
    scores.push((await plugin.compute(ctx([9, 0, 0, 9, 0, 0, 0, 0, 9, 0, 0, 9]))).value);
    scores.push((await plugin.compute(ctx([0, 9, 0, 0, 9, 0, 0, 9, 0, 0, 9, 0]))).value);
    assert.equal(made, first, 'the second and third checks made no Int32Array');
  } finally {
    globalThis.Int32Array = Original;
    plugin.dispose!();
  }
  assert.deepEqual(scores, [1, 0.5, 0.5]);
});
