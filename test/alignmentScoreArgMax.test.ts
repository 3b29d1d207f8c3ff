import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { rowArgMax } from '../plugins/metrics/alignmentScore.js';
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
