import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { emGuard } from '../src/guard/EmGuard.js';
import type { CheckEvent } from '../src/guard/guardEvents.js';
import { alignedMixer } from '../src/mitigation/AlignedMixer.js';
import { parsePolicy } from '../src/policy/parsePolicy.js';
import { PolicyError } from '../src/policy/policyError.js';
import { registerMetric } from '../src/policy/registry.js';
import { blobs, oneHot, pretrained } from './guardFixtures.js';
import { useBackend } from './helpers.js';

await useBackend();

// A metric plugin that reads a scripted signal per check (1 = the rule fires), so actions run at known checks.
registerMetric({ name: 'test.signal', description: 'scripted per-check signal', better: 'lower', perLayer: false });
// Checks run every 2 batches: check i (1-based) is at step 2i; the baseline (step 0) reads 0.
function signal(values: number[]) {
  return {
    name: 'test.signal',
    description: 'scripted per-check signal',
    compute: (ctx: { step: number }) => ({ value: ctx.step === 0 ? 0 : (values[ctx.step / 2 - 1] ?? 0) }),
  };
}

const probeTrain = blobs(32, 9);
const probeEval = blobs(32, 10);
const probes = () => ({ train: probeTrain.x, eval: probeEval.x });

const policyWith = (actions: string, checkpoint = '') =>
  parsePolicy(`version: 1
check: { every: { batches: 2 }, layers: [h1] }
${checkpoint}
rules:
  - { name: scripted, metric: test.signal, op: ">", threshold: 0.5, severity: warning, actions: ${actions} }
`);

function mixSets() {
  const task = blobs(64, 16);
  const aligned = blobs(64, 17);
  return { task: { x: task.x, y: oneHot(task.labels, 1) }, aligned: { x: aligned.x, y: oneHot(aligned.labels) } };
}

test('policy: actions take parameters as one-key mappings, with defaults filled and coded errors at file:line:col', () => {
  const p = policyWith('[warn, { mix: { step: 0.2 } }, { reduce-lr: { factor: 0.25, min: 0.001 } }, rewind]');
  const rule = p.rules[0]!;
  assert.deepEqual(rule.actions, ['warn', 'mix', 'reduce-lr', 'rewind']);
  assert.deepEqual(rule.actionOptions, { mix: { step: 0.2, max: 0.5, recoverAfter: 3 }, 'reduce-lr': { factor: 0.25, min: 0.001 }, rewind: { maxRewinds: 3 } });
  assert.equal(policyWith('[warn]').rules[0]!.actionOptions, undefined);
  // Positions are 1-based, on the rule's line (5) at the offending key or value.
  const problems = (actions: string, at: string) => {
    const col = `  - { name: scripted, metric: test.signal, op: ">", threshold: 0.5, severity: warning, actions: ${actions} }`.indexOf(at) + 1;
    try {
      policyWith(actions);
    } catch (e) {
      assert.ok(e instanceof PolicyError);
      return e.problems.map((q) => `${q.code} ${q.path} ${q.line}:${q.col === col ? 'at' : q.col}`);
    }
    assert.fail(`no error for ${actions}`);
  };
  assert.deepEqual(problems('[{ mix: { stpe: 0.2 } }]', 'stpe'), ['unknown-key rules[0].actions[0].mix.stpe 5:at']);
  assert.deepEqual(problems('[{ mix: { max: 0.95 } }]', '0.95'), ['out-of-range rules[0].actions[0].mix.max 5:at']);
  assert.deepEqual(problems('[{ rewind: { maxRewinds: 1.5 } }]', '1.5'), ['out-of-range rules[0].actions[0].rewind.maxRewinds 5:at']);
  assert.deepEqual(problems('[{ warn: { level: 1 } }]', '{ level'), ['unknown-key rules[0].actions[0].warn 5:at']);
  assert.deepEqual(problems('[{ mix: {}, rewind: {} }]', '{ mix'), ['wrong-type rules[0].actions[0] 5:at']);
});

test('mix: raises the share by `step` while the rule fires, up to `max`, and lowers it after `recoverAfter` quiet checks', async () => {
  const model = await pretrained();
  model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
  const { task, aligned } = mixSets();
  const mixer = alignedMixer({ task, aligned, batchSize: 8, seed: 1, batchesPerEpoch: 16 });
  const policy = policyWith('[{ mix: { step: 0.2, max: 0.4, recoverAfter: 2 } }]');
  const guard = emGuard({ policy, probes: probes(), runDir: false, mixer, plugins: { metrics: [signal([1, 1, 1, 0, 0, 0, 0, 0])] } });
  const shares: (number | null | undefined)[] = [];
  guard.on('check', (e: CheckEvent) => shares.push(e.values['mix.share']));
  try {
    await model.fitDataset(mixer.dataset, { epochs: 1, verbose: 0, callbacks: [guard] });
    // Recorded at each check: the share in force since the previous one (before that check's actions).
    assert.deepEqual(
      shares.map((s) => Number(s!.toFixed(6))),
      [0, 0.2, 0.4, 0.4, 0.4, 0.2, 0.2, 0],
    );
    assert.equal(mixer.share, 0);
    assert.ok(mixer.stats.alignedRows > 0);
  } finally {
    guard.dispose();
    model.dispose();
    tf.dispose([task.x, task.y, aligned.x, aligned.y]);
  }
});

test('reduce-lr: scales the learning rate once per firing episode, never below `min`', async () => {
  const model = await pretrained();
  const optimizer = tf.train.adam(0.1);
  model.compile({ optimizer, loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(64, 16);
  const y = oneHot(data.labels);
  const policy = policyWith('[{ reduce-lr: { factor: 0.5, min: 0.03 } }]');
  // Episodes: checks 1-2, 4, 6. The rate goes 0.1 → 0.05 → 0.03 (floor) → 0.03.
  const guard = emGuard({ policy, probes: probes(), runDir: false, plugins: { metrics: [signal([1, 1, 0, 1, 0, 1, 0, 0])] } });
  const rates: (number | null | undefined)[] = [];
  guard.on('check', (e: CheckEvent) => rates.push(e.values['optimizer.learningRate']));
  try {
    await model.fit(data.x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0, callbacks: [guard] });
    assert.deepEqual(
      rates.map((r) => Number(r!.toFixed(6))),
      [0.1, 0.05, 0.05, 0.05, 0.03, 0.03, 0.03, 0.03],
    );
  } finally {
    guard.dispose();
    model.dispose();
    tf.dispose([data.x, y]);
  }
});

test('rewind: restores the last safe weights and trains on; past `maxRewinds` it stops training', async () => {
  const data = blobs(64, 16);
  const y = oneHot(data.labels, 1);
  const run = async (signals: number[], maxRewinds: number) => {
    const model = await pretrained();
    model.compile({ optimizer: tf.train.sgd(0.05), loss: tf.losses.softmaxCrossEntropy });
    const policy = policyWith(`[{ rewind: { maxRewinds: ${maxRewinds} } }]`, 'checkpoint: { every: { checks: 1 }, keep: 2 }');
    const guard = emGuard({ policy, probes: probes(), runDir: false, plugins: { metrics: [signal(signals)] } });
    const rewinds: { toStep: number; step: number }[] = [];
    guard.on('rollback', (e) => rewinds.push({ toStep: e.toStep, step: e.step }));
    let steps = 0;
    const counter = new tf.CustomCallback({ onBatchEnd: async () => void (steps += 1) });
    try {
      await model.fit(data.x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0, callbacks: [counter, guard] });
      return { rewinds, steps, stop: guard.stopReason };
    } finally {
      guard.dispose();
      model.dispose();
    }
  };
  // Fires at checks 3 (step 6) and 6 (step 12): each rewinds to the newest safe checkpoint, training goes on.
  const a = await run([0, 0, 1, 0, 0, 1, 0, 0], 3);
  assert.deepEqual(a.rewinds, [
    { toStep: 4, step: 6 },
    { toStep: 10, step: 12 },
  ]);
  assert.equal(a.steps, 16);
  assert.equal(a.stop, null);
  // With maxRewinds 1 the second episode stops the run (and rolls back).
  const b = await run([0, 0, 1, 0, 0, 1, 0, 0], 1);
  assert.equal(b.rewinds.length, 2);
  assert.equal(b.stop?.rule, 'scripted');
  assert.ok(b.steps < 16, `trained ${b.steps} steps`);
  tf.dispose([data.x, y]);
});

test('onTrainBegin: `mix` without a mixer, or a mixer with fit on arrays, rejects before the first step', async () => {
  const model = await pretrained();
  model.compile({ optimizer: tf.train.sgd(0.05), loss: tf.losses.softmaxCrossEntropy });
  const before = model.getWeights().map((w) => Array.from(w.dataSync()));
  const data = blobs(32, 16);
  const y = oneHot(data.labels, 1);
  const { task, aligned } = mixSets();
  const policy = policyWith('[{ mix: { step: 0.2 } }]');
  try {
    const noMixer = emGuard({ policy, probes: probes(), runDir: false, plugins: { metrics: [signal([])] } });
    await assert.rejects(
      model.fit(data.x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [noMixer] }),
      /rule `scripted` of policy <text> uses the `mix` action, which needs an aligned-data mixer: build one with `alignedMixer\(\{ task, aligned \}\)`/,
    );
    const mixer = alignedMixer({ task, aligned, batchSize: 4 });
    const onArrays = emGuard({ policy, probes: probes(), runDir: false, mixer, plugins: { metrics: [signal([])] } });
    await assert.rejects(
      model.fit(data.x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [onArrays] }),
      /a `mixer` was given but `model.fit` was called on arrays \(32 samples\)/,
    );
    assert.deepEqual(
      model.getWeights().map((w) => Array.from(w.dataSync())),
      before,
    );
  } finally {
    model.dispose();
    tf.dispose([data.x, y, task.x, task.y, aligned.x, aligned.y]);
  }
});
