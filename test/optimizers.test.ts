import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { AdamW } from '../src/training/AdamW.js';
import { Lion } from '../src/training/Lion.js';
import type { SlotOptimizer } from '../src/training/SlotOptimizer.js';
import { seededRandom, useBackend } from './helpers.js';

// test/fixtures/optimizer_reference.py: float64 NumPy trajectories of the PyTorch AdamW algorithm and Lion (Chen et al. 2023, Alg. 2).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ref: any = JSON.parse(readFileSync(new URL('./fixtures/optimizer_reference.json', import.meta.url), 'utf8'));
const FLOAT32_TOL = 2e-6; // |a − e| <= tol·max(1, |e|): float32 tensors vs float64 reference over 5 steps

await useBackend();

function makeVariables(prefix: string): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const k of Object.keys(ref.shapes)) out[k] = tf.variable(tf.tensor(ref.init[k], ref.shapes[k]), true, `${prefix}/${k}`);
  return out;
}

async function step(opt: SlotOptimizer, vars: Record<string, tf.Variable>, t: number, asMap = false): Promise<void> {
  opt.learningRate = ref.learningRates[t];
  const grads = Object.keys(vars).map((k) => ({ name: vars[k]!.name, tensor: tf.tensor(ref.grads[t][k], ref.shapes[k]) }));
  opt.applyGradients(asMap ? Object.fromEntries(grads.map((g) => [g.name, g.tensor])) : grads);
  tf.dispose(grads.map((g) => g.tensor));
}

function assertTrajectory(vars: Record<string, tf.Variable>, expected: Record<string, number[]>, label: string): void {
  for (const k of Object.keys(vars)) {
    const got = vars[k]!.dataSync();
    expected[k]!.forEach((e, i) =>
      assert.ok(Math.abs(got[i]! - e) <= FLOAT32_TOL * Math.max(1, Math.abs(e)), `${label} ${k}[${i}]: got ${got[i]}, expected ${e}`),
    );
  }
}

const cases: { name: string; make: () => SlotOptimizer }[] = [
  {
    name: 'adamw',
    make: () =>
      new AdamW({
        learningRate: 0.01,
        weightDecay: ref.adamw.weightDecay,
        beta1: ref.adamw.beta1,
        beta2: ref.adamw.beta2,
        epsilon: ref.adamw.epsilon,
        excludeFromWeightDecay: ref.adamw.excludeFromWeightDecay,
      }),
  },
  { name: 'lion', make: () => new Lion({ learningRate: 0.01, weightDecay: ref.lion.weightDecay, beta1: ref.lion.beta1, beta2: ref.lion.beta2 }) },
];

for (const c of cases) {
  test(`${c.name}: 5 steps with a changing learning rate match the NumPy reference; tensor count stable`, async () => {
    const vars = makeVariables(`${c.name}-traj`);
    const opt = c.make();
    let countAfterFirst = 0;
    for (let t = 0; t < 5; t++) {
      await step(opt, vars, t, t === 2);
      if (t === 0) countAfterFirst = tf.memory().numTensors;
      else assert.equal(tf.memory().numTensors, countAfterFirst, `tensor count at step ${t + 1}`);
      assertTrajectory(vars, ref[c.name].trajectory[t], `${c.name} step ${t + 1}`);
    }
    assert.equal(opt.iterations, 5);
    const state = await opt.getWeights();
    assert.deepEqual(
      state.map((s) => s.name),
      ['iter', ...(c.name === 'adamw' ? ['m', 'v'] : ['m']).flatMap((slot) => Object.values(vars).map((v) => `${v.name}/${slot}`))],
    );
    tf.dispose(state[0]!.tensor);
    opt.dispose();
    tf.dispose(Object.values(vars));
  });

  test(`${c.name}: getWeights/setWeights restores state so a resumed run continues the same trajectory`, async () => {
    const vars = makeVariables(`${c.name}-resume`);
    const first = c.make();
    for (let t = 0; t < 3; t++) await step(first, vars, t);
    const saved = (await first.getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    first.dispose();
    const resumed = c.make();
    await resumed.setWeights(saved);
    tf.dispose(saved.map((s) => s.tensor));
    assert.equal(resumed.iterations, 3);
    for (let t = 3; t < 5; t++) await step(resumed, vars, t);
    assertTrajectory(vars, ref[c.name].trajectory[4], `${c.name} resumed`);
    resumed.dispose();
    tf.dispose(Object.values(vars));
  });
}

test('first steps match hand-computed values', () => {
  // AdamW step 1: m̂ = g, v̂ = g², θ₁ = θ₀(1 − lr·λ) − lr·g/(|g| + ε).
  const theta = tf.variable(tf.scalar(2), true, 'hand/adamw');
  const adamw = new AdamW({ learningRate: 0.1, weightDecay: 0.5, epsilon: 1e-8 });
  adamw.applyGradients({ [theta.name]: tf.scalar(-3) });
  assert.ok(Math.abs(theta.dataSync()[0]! - (2 * (1 - 0.05) + 0.1 * (3 / (3 + 1e-8)))) < 1e-6);
  // Lion step 1: c = (1 − β1)·g, θ₁ = θ₀(1 − lr·λ) − lr·sign(g); m₁ = (1 − β2)·g.
  const phi = tf.variable(tf.tensor1d([1, -1, 0.5]), true, 'hand/lion');
  const lion = new Lion({ learningRate: 0.2, weightDecay: 1 });
  lion.applyGradients({ [phi.name]: tf.tensor1d([0.3, 0, -7]) });
  const got = phi.dataSync();
  [1 * 0.8 - 0.2, -1 * 0.8, 0.5 * 0.8 + 0.2].forEach((e, i) => assert.ok(Math.abs(got[i]! - e) < 1e-6, `lion[${i}] ${got[i]} vs ${e}`));
  adamw.dispose();
  lion.dispose();
  tf.dispose([theta, phi]);
});

test('a variable without a gradient is left alone and the state stays complete', async () => {
  const a = tf.variable(tf.tensor1d([1, 2]), true, 'nullgrad/a');
  const b = tf.variable(tf.tensor1d([3]), true, 'nullgrad/b');
  const opt = new AdamW({ learningRate: 0.1 });
  const g = tf.tensor1d([1, 1]);
  opt.applyGradients({ [a.name]: g, [b.name]: undefined as unknown as tf.Tensor });
  assert.deepEqual(Array.from(b.dataSync()), [3]);
  assert.notDeepEqual(Array.from(a.dataSync()), [1, 2]);
  const state = await opt.getWeights();
  assert.deepEqual(
    state.map((s) => s.name),
    ['iter', 'nullgrad/a/m', 'nullgrad/b/m', 'nullgrad/a/v', 'nullgrad/b/v'],
  );
  tf.dispose([state[0]!.tensor, g, a, b]);
  opt.dispose();
});

test('constructor validation names the field, the expectation and the value', async () => {
  assert.throws(() => new AdamW({ learningRate: -1 }), /AdamW: expected `learningRate` to be a finite number >= 0, got `-1`/);
  assert.throws(() => new AdamW({ learningRate: 1e-3, beta2: 1 }), /`beta2` to be a number in \[0, 1\), got `1`/);
  assert.throws(() => new Lion({ learningRate: 1e-3, weightDecay: Number.NaN }), /Lion: expected `weightDecay`/);
  assert.throws(() => new Lion({ learningRate: 1e-3, excludeFromWeightDecay: 'bias' as never }), /array of regular-expression strings/);
  const opt = new AdamW({ learningRate: 1e-3 });
  await assert.rejects(
    opt.setWeights([
      { name: 'iter', tensor: tf.scalar(1, 'int32') },
      { name: 'x/m', tensor: tf.zeros([1]) },
    ]),
    /expected 1 \+ 2·\(number of variables\) tensors/,
  );
});

test('serialisable: registered class names, getConfig/fromConfig round trip', () => {
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  assert.ok(map.AdamW && map.Lion);
  for (const opt of [
    new AdamW({ learningRate: 3e-4, weightDecay: 0.05, beta1: 0.8, excludeFromWeightDecay: ['bias$'] }),
    new Lion({ learningRate: 1e-4, weightDecay: 0.3, beta2: 0.95 }),
  ]) {
    const cls = opt.constructor as typeof AdamW;
    const copy = cls.fromConfig(cls, opt.getConfig()) as SlotOptimizer;
    assert.equal(copy.getClassName(), opt.getClassName());
    assert.deepEqual(copy.getConfig(), opt.getConfig());
  }
});

function regressionData(n: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const rand = seededRandom(4);
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = [rand() * 2 - 1, rand() * 2 - 1, rand() * 2 - 1];
    x.push(row);
    y.push([Math.sin(2 * row[0]!) + row[1]! * row[2]!]);
  }
  return { xs: tf.tensor2d(x), ys: tf.tensor2d(y) };
}

for (const [name, make] of [
  ['AdamW', () => new AdamW({ learningRate: 0.02, weightDecay: 1e-4, excludeFromWeightDecay: ['bias$', 'layer_norm/gamma$'] })],
  ['Lion', () => new Lion({ learningRate: 0.003, weightDecay: 0.01 })],
] as const) {
  test(`${name}: model.compile + fit trains a small MLP; saved with includeOptimizer and reloaded as ${name}`, async () => {
    const { xs, ys } = regressionData(128);
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 16, activation: 'tanh' }), tf.layers.dense({ units: 1 })] });
    model.compile({ optimizer: make(), loss: 'meanSquaredError' });
    const before = model.evaluate(xs, ys) as tf.Scalar;
    const initial = before.dataSync()[0]!;
    before.dispose();
    await model.fit(xs, ys, { epochs: 30, batchSize: 16, verbose: 0, shuffle: false });
    const tensorsAfterFirstFit = tf.memory().numTensors;
    await model.fit(xs, ys, { epochs: 2, batchSize: 16, verbose: 0, shuffle: false });
    assert.equal(tf.memory().numTensors, tensorsAfterFirstFit, 'tensor count stable across fits');
    const after = model.evaluate(xs, ys) as tf.Scalar;
    const final = after.dataSync()[0]!;
    after.dispose();
    assert.ok(final < 0.35 * initial, `loss ${initial} -> ${final}`);

    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })),
      { includeOptimizer: true },
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    assert.equal(loaded.optimizer.getClassName(), name);
    const iterations = (loaded.optimizer as SlotOptimizer).iterations;
    assert.equal(iterations, (model.optimizer as SlotOptimizer).iterations);
    assert.deepEqual((loaded.optimizer as SlotOptimizer).getConfig(), (model.optimizer as SlotOptimizer).getConfig());
    if (name === 'AdamW') {
      // tfjs camel-cases config strings on load; the patterns must keep their meaning.
      assert.equal((loaded.optimizer as SlotOptimizer).decays('block/layer_norm/gamma'), false);
      assert.equal((loaded.optimizer as SlotOptimizer).decays('dense_Dense1/bias'), false);
      assert.equal((loaded.optimizer as SlotOptimizer).decays('dense_Dense1/kernel'), true);
    }
    loaded.optimizer.dispose();
    loaded.dispose();
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
  });
}
