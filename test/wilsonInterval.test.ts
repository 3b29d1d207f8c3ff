import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wilsonInterval } from '../src/metrics/wilsonInterval.js';

// Newcombe 1998 (Stat Med 17:857), Table I, method 3 (Wilson score without continuity correction), 4 decimals.
const published: [number, number, number, number][] = [
  [81, 263, 0.2553, 0.3662],
  [15, 148, 0.0624, 0.1605],
  [0, 20, 0, 0.1611],
  [1, 29, 0.0061, 0.1718],
];

test('wilsonInterval matches Newcombe 1998 Table I to 4 decimals', () => {
  for (const [k, n, lo, hi] of published) {
    const [l, h] = wilsonInterval(k, n);
    assert.ok(Math.abs(l - lo) <= 5e-5, `${k}/${n} lower ${l} vs ${lo}`);
    assert.ok(Math.abs(h - hi) <= 5e-5, `${k}/${n} upper ${h} vs ${hi}`);
  }
});

test('wilsonInterval is symmetric in k ↔ n − k and rejects bad counts', () => {
  const [l, h] = wilsonInterval(883, 960);
  const [l2, h2] = wilsonInterval(77, 960);
  assert.ok(Math.abs(l - (1 - h2)) < 1e-12 && Math.abs(h - (1 - l2)) < 1e-12);
  assert.throws(() => wilsonInterval(3, 2), /`k` to be an integer in \[0, 2\]/);
  assert.throws(() => wilsonInterval(0, 0), /`n` to be an integer >= 1/);
  assert.throws(() => wilsonInterval(0.5, 10), /`k`/);
});
