import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { AdamW } from '../src/training/AdamW.js';
import { Lion } from '../src/training/Lion.js';
import { learningRateAt, type LearningRateSchedule } from '../src/training/learningRateAt.js';
import { lrSchedule } from '../src/training/lrSchedule.js';
import { getOptimizerLearningRate } from '../src/training/optimizerLearningRate.js';
import { parseSweepConfig } from '../src/sweep/parseSweepConfig.js';
import { SWEEP_SCHEDULES } from '../src/sweep/sweepConfig.js';
import { sweepSchedule } from '../src/sweep/sweepSchedule.js';
import { useBackend } from './helpers.js';

await useBackend();

const close = (a: number, e: number, label: string): void => assert.ok(Math.abs(a - e) <= 1e-15 * Math.max(1, Math.abs(e)), `${label}: ${a} vs ${e}`);

test('learningRateAt matches the closed forms of each schedule', () => {
  const T = 100;
  for (const s of [0, 1, 37, 50, 99, 100, 250]) {
    const p = Math.min(s, T) / T;
    close(learningRateAt({ type: 'constant', initial: 0.1, totalSteps: T }, s), 0.1, `constant@${s}`);
    close(learningRateAt({ type: 'linear', initial: 0.1, final: 0.01, totalSteps: T }, s), 0.1 + (0.01 - 0.1) * p, `linear@${s}`);
    close(learningRateAt({ type: 'cosine', initial: 0.1, totalSteps: T }, s), 0.05 * (1 + Math.cos(Math.PI * p)), `cosine@${s}`);
    close(
      learningRateAt({ type: 'step', initial: 0.1, totalSteps: T, stepSize: 30, gamma: 0.5 }, s),
      0.1 * 0.5 ** Math.floor(Math.min(s, T) / 30),
      `step@${s}`,
    );
  }
  const wc: LearningRateSchedule = { type: 'warmup-cosine', initial: 1e-3, final: 1e-5, warmupSteps: 10, totalSteps: 110 };
  close(learningRateAt(wc, 0), 1e-4, 'warmup first');
  close(learningRateAt(wc, 9), 1e-3, 'warmup last');
  close(learningRateAt(wc, 10), 1e-3, 'cosine start');
  close(learningRateAt(wc, 60), 1e-5 + (1e-3 - 1e-5) / 2, 'cosine midpoint');
  close(learningRateAt(wc, 110), 1e-5, 'cosine end');
  close(learningRateAt(wc, 500), 1e-5, 'held after end');
  // Keys from the PyTorch CosineAnnealingLR closed form: η_t = η_min + (η_max − η_min)(1 + cos(πt/T))/2.
  close(learningRateAt({ type: 'cosine', initial: 1, final: 0, totalSteps: 3 }, 1), 0.75, 'cos T=3 t=1');
});

test('schedule validation: one-line messages naming the field', () => {
  assert.throws(() => learningRateAt({ type: 'exp' as never, initial: 1, totalSteps: 1 }, 0), /`type` to be 'constant' \| 'linear'/);
  assert.throws(() => learningRateAt({ type: 'linear', initial: -1, totalSteps: 10 }, 0), /`initial` to be a finite number >= 0, got `-1`/);
  assert.throws(() => learningRateAt({ type: 'cosine', initial: 1, totalSteps: 0 }, 0), /`totalSteps` to be an integer >= 1, got `0`/);
  assert.throws(() => learningRateAt({ type: 'warmup-cosine', initial: 1, totalSteps: 10 }, 0), /`warmupSteps` to be an integer >= 1, got `undefined`/);
  assert.throws(() => learningRateAt({ type: 'cosine', initial: 1, warmupSteps: 10, totalSteps: 10 }, 0), /`warmupSteps` to be an integer < totalSteps \(10\)/);
  assert.throws(() => learningRateAt({ type: 'step', initial: 1, totalSteps: 10 }, 0), /`stepSize` to be an integer >= 1/);
  assert.throws(() => learningRateAt({ type: 'step', initial: 1, totalSteps: 10, stepSize: 2, gamma: 2 }, 0), /`gamma` to be a number in \(0, 1\]/);
  assert.throws(() => learningRateAt({ type: 'constant', initial: 1, totalSteps: 10 }, 1.5), /`step` to be an integer >= 0/);
  assert.throws(() => lrSchedule({ type: 'constant', initial: 1, totalSteps: 10, initialStep: -2 }), /`initialStep` to be an integer >= 0, got `-2`/);
});

/** Records the rate each optimizer actually uses in applyGradients (SGD/momentum: the kept scalar c = −lr). */
function spyRates(optimizer: tf.Optimizer): number[] {
  const seen: number[] = [];
  const original = optimizer.applyGradients.bind(optimizer);
  const internal = optimizer as unknown as { c?: tf.Scalar };
  optimizer.applyGradients = (grads) => {
    seen.push(internal.c ? -internal.c.dataSync()[0]! : getOptimizerLearningRate(optimizer)!);
    original(grads);
  };
  return seen;
}

const optimizers: [string, () => tf.Optimizer][] = [
  ['sgd', () => tf.train.sgd(0.5)],
  ['momentum', () => tf.train.momentum(0.5, 0.9)],
  ['adam', () => tf.train.adam(0.5)],
  ['rmsprop', () => tf.train.rmsprop(0.5)],
  ['adagrad', () => tf.train.adagrad(0.5)],
  ['AdamW', () => new AdamW({ learningRate: 0.5 })],
  ['Lion', () => new Lion({ learningRate: 0.5 })],
];

for (const [name, make] of optimizers) {
  test(`lrSchedule drives ${name} during fit: the optimizer applies the scheduled rate at every batch`, async () => {
    const xs = tf.randomUniform([40, 2], -1, 1, 'float32', 1);
    const ys = tf.sum(xs, 1, true);
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    const optimizer = make();
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const seen = spyRates(optimizer);
    const schedule: LearningRateSchedule = { type: 'warmup-cosine', initial: 0.05, final: 0.001, warmupSteps: 3, totalSteps: 12 };
    const changes: [number, number][] = [];
    const callback = lrSchedule({ ...schedule, onChange: (step, lr) => changes.push([step, lr]) });
    await model.fit(xs, ys, { epochs: 3, batchSize: 8, verbose: 0, callbacks: [callback] }); // 5 batches × 3 epochs = 15 steps
    const expected = Array.from({ length: 15 }, (_, s) => learningRateAt(schedule, s));
    assert.equal(seen.length, 15);
    seen.forEach((lr, s) => assert.ok(Math.abs(lr - expected[s]!) <= 1e-7 * expected[s]!, `${name} step ${s}: used ${lr}, scheduled ${expected[s]}`));
    assert.deepEqual(
      changes.map(([s]) => s),
      expected.map((_, s) => s),
    );
    // A second fit restarts the schedule at step 0 and leaks no tensors (SGD rebuilds its scalar c).
    const count = tf.memory().numTensors;
    await model.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [callback] });
    assert.equal(tf.memory().numTensors, count);
    assert.ok(Math.abs(seen[15]! - expected[0]!) <= 1e-7 * expected[0]!);
    optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
  });
}

test('lrSchedule with initialStep resumes mid-schedule, and reports a missing optimizer clearly', async () => {
  const schedule: LearningRateSchedule = { type: 'linear', initial: 0.1, final: 0, totalSteps: 10 };
  const opt = new AdamW({ learningRate: 1 });
  const cb = lrSchedule({ ...schedule, initialStep: 4, optimizer: opt });
  await cb.onTrainBegin();
  await cb.onBatchBegin();
  close(opt.learningRate, learningRateAt(schedule, 4), 'resumed');
  assert.equal(cb.step, 5);
  await assert.rejects(lrSchedule(schedule).onBatchBegin(), /no optimizer to schedule; compile the model before fit/);
  opt.dispose();
});

// Reference: test/fixtures/seed_statistics_reference.py transcribes PyTorch's CyclicLR.get_lr and
// CosineAnnealingWarmRestarts.step() (torch/optim/lr_scheduler.py). Tolerance 1e-15 relative: the
// same float64 operations in the same order (the restart one is stateful there, closed-form here).
const scheduleRef = JSON.parse(readFileSync(new URL('./fixtures/seed_statistics_reference.json', import.meta.url), 'utf8')) as {
  schedules: { schedule: LearningRateSchedule; rates: number[] }[];
};

test('cyclic and warm-restart schedules match PyTorch CyclicLR / CosineAnnealingWarmRestarts at every step', () => {
  for (const { schedule, rates } of scheduleRef.schedules) {
    rates.forEach((rate, step) => close(learningRateAt(schedule, step), rate, `${schedule.type}@${step}`));
  }
  assert.deepEqual(
    [...new Set(scheduleRef.schedules.map((s) => s.schedule.type))],
    ['cyclic-triangular', 'cyclic-triangular2', 'cyclic-exp-range', 'cosine-restarts'],
  );
});

test('cyclic and warm-restart schedules: closed-form landmarks of each cycle', () => {
  const tri: LearningRateSchedule = { type: 'cyclic-triangular', initial: 0.001, maxRate: 0.006, stepSize: 5, totalSteps: 100 };
  for (let cycle = 0; cycle < 4; cycle++) {
    close(learningRateAt(tri, 10 * cycle), 0.001, `base at ${10 * cycle}`);
    close(learningRateAt(tri, 10 * cycle + 5), 0.006, `peak at ${10 * cycle + 5}`);
    for (let i = 0; i <= 5; i++) assert.ok(Math.abs(learningRateAt(tri, 10 * cycle + i) - (0.001 + 0.001 * i)) < 1e-15, `linear ramp ${i}`);
  }
  const tri2: LearningRateSchedule = { ...tri, type: 'cyclic-triangular2' };
  for (let cycle = 1; cycle <= 4; cycle++) close(learningRateAt(tri2, 10 * (cycle - 1) + 5), 0.001 + 0.005 / 2 ** (cycle - 1), `triangular2 peak ${cycle}`);
  const exp: LearningRateSchedule = { ...tri, type: 'cyclic-exp-range', gamma: 0.9 };
  for (const t of [5, 15, 25]) close(learningRateAt(exp, t), 0.001 + 0.005 * 0.9 ** t, `exp_range peak ${t}`);
  const sgdr: LearningRateSchedule = { type: 'cosine-restarts', initial: 0.1, final: 0.01, cycleSteps: 4, cycleMult: 2, totalSteps: 100 };
  // Restarts at 0, 4, 12, 28, 60 (cycles of 4, 8, 16, 32), each starting at `initial`, halfway at the mean.
  for (const [start, len] of [
    [0, 4],
    [4, 8],
    [12, 16],
    [28, 32],
    [60, 64],
  ] as const) {
    close(learningRateAt(sgdr, start), 0.1, `restart at ${start}`);
    close(learningRateAt(sgdr, start + len / 2), 0.055, `half-way in cycle at ${start}`);
  }
  assert.throws(
    () => learningRateAt({ type: 'cyclic-triangular', initial: 0.1, totalSteps: 10, stepSize: 2 }, 0),
    /`maxRate` to be a finite number >= 0, got `undefined`/,
  );
  assert.throws(
    () => learningRateAt({ type: 'cyclic-triangular', initial: 0.1, maxRate: 0.01, totalSteps: 10, stepSize: 2 }, 0),
    /`maxRate` to be a number >= initial \(0.1\)/,
  );
  assert.throws(() => learningRateAt({ type: 'cyclic-triangular2', initial: 0.1, maxRate: 1, totalSteps: 10 }, 0), /`stepSize` to be an integer >= 1/);
  assert.throws(
    () => learningRateAt({ type: 'cyclic-exp-range', initial: 0.1, maxRate: 1, totalSteps: 10, stepSize: 2, gamma: 1.5 }, 0),
    /`gamma` to be a number in \(0, 1\]/,
  );
  assert.throws(() => learningRateAt({ type: 'cosine-restarts', initial: 0.1, totalSteps: 10 }, 0), /`cycleSteps` to be an integer >= 1, got `undefined`/);
  assert.throws(
    () => learningRateAt({ type: 'cosine-restarts', initial: 0.1, totalSteps: 10, cycleSteps: 3, cycleMult: 0 }, 0),
    /`cycleMult` to be an integer >= 1/,
  );
  assert.throws(
    () => learningRateAt({ type: 'cosine-restarts', initial: 0.1, totalSteps: 10, cycleSteps: 3, warmupSteps: 2 }, 0),
    /`warmupSteps` to be 0 \(or absent\) for 'cosine-restarts'/,
  );
});

test('a sweep file may list the cyclic and warm-restart schedules; each cell gets a valid full schedule', () => {
  const text = 'version: 1\nname: s\nmatrix:\n  schedule: [cyclic-triangular, cyclic-triangular2, cyclic-exp-range, cosine-restarts]\n';
  const config = parseSweepConfig(text, 's.yaml');
  assert.deepEqual(config.matrix.schedule, ['cyclic-triangular', 'cyclic-triangular2', 'cyclic-exp-range', 'cosine-restarts']);
  for (const type of SWEEP_SCHEDULES) {
    const s = sweepSchedule(type, 0.01, 96);
    const rates = Array.from({ length: 96 }, (_, t) => learningRateAt(s, t));
    assert.ok(
      rates.every((r) => r >= 0 && r <= 0.01 + 1e-15),
      `${type} stays in [0, learningRate]`,
    );
    if (type.startsWith('cyclic')) {
      close(rates[0]!, 0.001, `${type} starts at learningRate/10`);
      const peak = type === 'cyclic-exp-range' ? 0.001 + 0.009 * 0.5 ** (24 / 96) : 0.01;
      close(rates[24]!, peak, `${type} first peak`);
      close(rates[48]!, 0.001, `${type} back at base after one cycle`);
    }
    if (type === 'cosine-restarts') for (const t of [0, 32, 64]) close(rates[t]!, 0.01, `restart at ${t}`);
  }
  assert.throws(() => parseSweepConfig('version: 1\nname: s\nmatrix:\n  schedule: [cyclic-triangle]\n', 's.yaml'), /did you mean `cyclic-triangular`/);
});
