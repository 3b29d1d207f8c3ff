import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emGuard, EmGuard } from '../src/guard/EmGuard.js';
import { parsePolicy } from '../src/policy/parsePolicy.js';
import { readRunLog } from '../src/runlog/RunLog.js';
import { replayPolicy } from '../src/analysis/replayPolicy.js';
import { registerMetric } from '../src/policy/registry.js';
import type { Decision } from '../src/policy/types.js';
import { accuracy, blobs, oneHot, pretrained } from './guardFixtures.js';
import { tempDir, useBackend, waitForWorker } from './helpers.js';

await useBackend();

const CHECK_EVERY = 5;
const policyText = (extra = '') => `
version: 1
check:
  every: { batches: ${CHECK_EVERY} }
  layers: [h1, h2]
  rank: 4
rules:
  - name: alignment-drop
    metric: alignment.score
    op: "<"
    threshold: -0.2
    relativeTo: baseline
    severity: critical
    actions: [checkpoint, abort, rollback]
  - name: loss-nan
    metric: nonfinite
    op: ">"
    threshold: 0
    severity: critical
    actions: [abort]
${extra}`;

const alignSet = blobs(128, 7);
const judgeSet = blobs(256, 8);
const probeTrain = blobs(64, 9);
const probeEval = blobs(64, 10);
const probes = () => ({ train: probeTrain.x, eval: probeEval.x, alignment: { inputs: alignSet.x, expected: alignSet.labels } });

test('argument validation happens in the constructor with clear messages', () => {
  assert.throws(() => emGuard(undefined as never), /expected an arguments object/);
  assert.throws(() => emGuard({} as never), /`probes` is required/);
  assert.throws(() => emGuard({ probes: { train: probeTrain.x } } as never), /`probes.eval` is required/);
  assert.throws(() => emGuard({ probes: probes(), probeBatchSize: 0 }), /Expected `probeBatchSize` to be an integer >= 1, got `0` \(number\)/i);
  assert.throws(() => emGuard({ probes: probes(), pooling: 'max' as never }), /"last" or "mean"/);
  assert.ok(emGuard({ probes: probes(), runDir: false }) instanceof tf.CustomCallback);
});

test('probe/model mismatches fail at onTrainBegin, before any training step', async () => {
  const model = await pretrained();
  const before = model.getWeights().map((w) => Array.from(w.dataSync()));
  const wrong = tf.ones([4, 3]);
  const x = blobs(64, 1);
  const y = oneHot(x.labels);
  try {
    await assert.rejects(
      model.fit(x.x, y, {
        epochs: 1,
        batchSize: 16,
        verbose: 0,
        callbacks: [emGuard({ probes: { train: wrong, eval: probeEval.x }, runDir: false, policy: parsePolicy(policyText()) })],
      }),
      /probes\.train: shape \[4, 3\] does not fit model input/,
    );
    await assert.rejects(
      model.fit(x.x, y, {
        epochs: 1,
        batchSize: 16,
        verbose: 0,
        callbacks: [emGuard({ probes: probes(), runDir: false, layers: ['nope'], policy: parsePolicy(policyText()) })],
      }),
      /unknown layer `nope`.*available: h1_input, h1, h2, out/,
    );
    const after = model.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(after, before);
  } finally {
    tf.dispose([wrong, x.x, y]);
    model.dispose();
  }
});

test('benign fine-tune: checks on schedule, no critical decision, runs to the end, run log complete', async () => {
  const { dir, cleanup } = tempDir();
  const model = await pretrained();
  model.compile({ optimizer: tf.train.adam(0.001), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(320, 11);
  const y = oneHot(data.labels);
  const guard = emGuard({ probes: probes(), runDir: dir, policy: parsePolicy(policyText()), meta: { label: 'benign' }, metrics: 'all' });
  const checks: number[] = [];
  const decisions: Decision[] = [];
  guard.on('check', (c) => checks.push(c.step));
  guard.on('breach', (d) => decisions.push(d));
  // Every batch loss as tfjs resolves it for a callback, to check the guard's loss windows against.
  const batchLosses: number[] = [];
  const recorder = new tf.CustomCallback({ onBatchEnd: (_batch, logs) => void batchLosses.push(logs!.loss as number) });
  try {
    const history = await model.fit(data.x, y, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0, callbacks: [guard, recorder] });
    assert.equal(history.epoch.length, 2);
    assert.deepEqual(checks, [5, 10, 15, 20]);
    assert.equal(decisions.filter((d) => d.severity === 'critical').length, 0);
    assert.equal(guard.stopReason, null);
    const log = readRunLog(join(dir, 'run.jsonl'));
    assert.deepEqual([...new Set(log.map((r) => r.type))].sort(), ['baseline', 'checkpoint', 'check', 'end', 'start'].sort());
    const check = log.find((r) => r.type === 'check');
    assert.ok(check && check.type === 'check');
    for (const key of ['loss', 'nonfinite', 'alignment.score', 'drift.eval', 'drift.eval@h1', 'subspace.overlap', 'cka.eval@h2']) {
      assert.ok(key in check.values, `check record has ${key}`);
    }
    assert.equal(typeof check.values.loss, 'number');
    // Each check's loss is the mean of the batch losses since the previous check, to the last bit.
    assert.equal(batchLosses.length, 20);
    const windows = log.filter((r) => r.type === 'check').map((r) => (r.type === 'check' ? [r.step, r.values.loss] : []));
    let from = 0;
    for (const [step, loss] of windows) {
      let sum = 0;
      for (const l of batchLosses.slice(from, step as number)) sum += l;
      assert.equal(loss, sum / ((step as number) - from), `loss window of the check at step ${step}`);
      from = step as number;
    }
  } finally {
    tf.dispose([data.x, y]);
    model.dispose();
    cleanup();
  }
});

test("metrics: 'policy' computes what the rules read, and captures the train probes only when a rule needs them", async () => {
  const model = await pretrained();
  model.compile({ optimizer: tf.train.adam(0.001), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(64, 15);
  const y = oneHot(data.labels);
  const overlapRule = `
  - name: overlap-watch
    metric: subspace.overlap
    op: ">"
    threshold: 2
    severity: info
    actions: []
`;
  const keysSeen = async (policy: string): Promise<string[]> => {
    const seen: Record<string, number | null>[] = [];
    const guard = emGuard({ probes: probes(), runDir: false, policy: parsePolicy(policy) });
    guard.on('check', (c) => seen.push(c.values));
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks: [guard] });
    assert.equal(seen.length, 1);
    return Object.keys(seen[0]!);
  };
  try {
    // Eval-side and alignment rules only: no train-side metric, so no train-probe capture.
    const evalOnly = await keysSeen(policyText());
    for (const k of ['drift.eval', 'drift.eval@h1', 'alignment.score', 'loss']) assert.ok(evalOnly.includes(k), `has ${k}`);
    for (const k of ['drift.train', 'subspace.meanDeltaCosine', 'subspace.overlap', 'subspace.energyFraction@h1', 'cka.eval', 'cka.train@h2'])
      assert.ok(!evalOnly.includes(k), `skips ${k}`);
    // A rule on a train-side metric brings the train probes and the cheap metrics they allow.
    const withTrain = await keysSeen(policyText(overlapRule));
    for (const k of ['drift.eval', 'drift.train@h1', 'subspace.meanDeltaCosine', 'subspace.overlap@h2', 'alignment.score'])
      assert.ok(withTrain.includes(k), `has ${k}`);
    for (const k of ['subspace.energyFraction', 'cka.eval', 'cka.train@h2']) assert.ok(!withTrain.includes(k), `skips ${k}`);
    assert.throws(() => emGuard({ probes: probes(), metrics: 'some' as never }), /"policy" or "all"/);
  } finally {
    tf.dispose([data.x, y]);
    model.dispose();
  }
});

test('destructive fine-tune: the guard aborts within two checks of the breach and rolls back', async () => {
  const { dir, cleanup } = tempDir();
  const model = await pretrained();
  const startPred = tf.tidy(() => (model.predict(judgeSet.x) as tf.Tensor).dataSync());
  model.compile({ optimizer: tf.train.adam(0.05), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(640, 12);
  const y = oneHot(data.labels, 1); // every label shifted: destructive
  const guard = emGuard({ probes: probes(), runDir: dir, policy: parsePolicy(policyText()) });
  const baselineAcc = accuracy(model, judgeSet);
  // The judge's ground truth at every check (it runs after the guard's metrics in the same hook).
  // Assigned inside a callback: declared wide so TypeScript does not narrow it to `null`.
  let breachStep = null as number | null;
  const events: string[] = [];
  guard.on('check', (c) => {
    if (breachStep === null && accuracy(model, judgeSet) < baselineAcc - 0.2) breachStep = c.step;
  });
  guard.on('abort', () => events.push('abort'));
  guard.on('rollback', () => events.push('rollback'));
  try {
    await model.fit(data.x, y, { epochs: 3, batchSize: 32, shuffle: false, verbose: 0, callbacks: [guard] });
    assert.ok(breachStep !== null, 'the destructive fine-tune really breaks the model');
    assert.ok(guard.stopReason, 'the guard stopped training');
    assert.equal(guard.stopReason.rule, 'alignment-drop');
    assert.ok(guard.stopReason.step <= breachStep + 2 * CHECK_EVERY, `abort at step ${guard.stopReason.step}, breach at ${breachStep}`);
    assert.ok(guard.stopReason.step < 60, 'stopped long before the end (60 batches)');
    assert.deepEqual(events, ['abort', 'rollback']);
    // Rolled back to the baseline checkpoint: predictions equal the pre-fine-tune ones exactly.
    const endPred = tf.tidy(() => (model.predict(judgeSet.x) as tf.Tensor).dataSync());
    assert.deepEqual(Array.from(endPred), Array.from(startPred));
    const log = readRunLog(join(dir, 'run.jsonl'));
    const types = log.map((r) => r.type);
    assert.ok(types.indexOf('decision') < types.indexOf('abort'));
    assert.ok(types.indexOf('abort') < types.indexOf('rollback'));
    assert.equal(types.at(-1), 'end');
    assert.ok(existsSync(join(dir, 'checkpoints', 'index.json')));
  } finally {
    tf.dispose([data.x, y]);
    model.dispose();
    cleanup();
  }
});

test('a non-finite loss aborts on that batch, without waiting for the schedule', async () => {
  const model = await pretrained();
  let calls = 0;
  // Finite for two batches, then Infinity: like a diverging run.
  const loss = (yt: tf.Tensor, yp: tf.Tensor) => {
    calls += 1;
    const base = tf.losses.softmaxCrossEntropy(yt, yp);
    return calls > 2 ? tf.div(base, tf.scalar(0)) : base;
  };
  model.compile({ optimizer: tf.train.sgd(0.0), loss });
  const data = blobs(320, 13);
  const y = oneHot(data.labels);
  const guard = emGuard({ probes: probes(), runDir: false, policy: parsePolicy(policyText()) });
  try {
    await model.fit(data.x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0, callbacks: [guard] });
    assert.equal(guard.stopReason?.rule, 'loss-nan');
    assert.equal(guard.stopReason?.step, 3);
  } finally {
    tf.dispose([data.x, y]);
    guard.dispose();
    model.dispose();
  }
});

test('200 checks leak no tensors; works next to earlyStopping and with fitDataset; reusable across fits', async () => {
  const model = await pretrained();
  model.compile({ optimizer: tf.train.adam(0.0005), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(800, 14);
  const y = oneHot(data.labels);
  const observe = parsePolicy(`
version: 1
check:
  every: { batches: 1 }
  layers: [h1, h2]
  rank: 4
rules:
  - name: watch
    metric: drift.eval
    op: ">"
    threshold: 100
    severity: warning
    actions: [warn]
`);
  const guard = emGuard({ probes: probes(), runDir: false, policy: observe });
  try {
    // Warm-up fit: creates the optimizer's slots, which persist by design.
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [guard] });
    const before = tf.memory().numTensors;
    const checks: number[] = [];
    guard.on('check', (c) => checks.push(c.step));
    await model.fit(data.x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [guard, tf.callbacks.earlyStopping({ monitor: 'loss', patience: 50 })] });
    assert.equal(checks.length, 200);
    assert.equal(checks[0], 1, 'step counter reset at the second fit');
    assert.equal(tf.memory().numTensors, before);

    const ds = tf.data.zip({ xs: tf.data.array(tf.unstack(data.x)), ys: tf.data.array(tf.unstack(y)) }).batch(40);
    checks.length = 0;
    await model.fitDataset(ds as never, { epochs: 1, verbose: 0, callbacks: [guard] });
    assert.equal(checks.length, 20);
  } finally {
    tf.dispose([data.x, y]);
    guard.dispose();
    model.dispose();
  }
});

test('EmGuard is a tf.CustomCallback subclass built from the peer tfjs', () => {
  const g = new EmGuard({ probes: probes(), runDir: false });
  assert.ok(g instanceof tf.CustomCallback);
  assert.equal(g.runDir, null);
  assert.equal(tf.getBackend(), process.env.EM_GUARD_TEST_BACKEND ?? 'wasm');
});

test("replayPolicy predicts the guard's rollback target from the run log (periodic safe checkpoints, unsafe while a warning fires)", async () => {
  const { dir, cleanup } = tempDir();
  const model = await pretrained();
  model.compile({ optimizer: tf.train.adam(0.001), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(640, 16);
  const y = oneHot(data.labels);
  // A metric that reads the step, so the rules fire at known checks: the warning from step 30 on
  // (checkpoints of steps 30 and 40 are unsafe), the abort at step 50 → rollback to step 20.
  registerMetric({ name: 'test.clock', description: 'the training step', better: 'lower' });
  const clock = { name: 'test.clock', description: 'the training step', compute: (ctx: { step: number }) => ({ value: ctx.step }) };
  const policy = parsePolicy(`version: 1
check: { every: { batches: 5 }, layers: [h1] }
checkpoint: { every: { checks: 2 }, keep: 2 }
rules:
  - { name: late-warning, metric: test.clock, op: ">", threshold: 28, severity: warning, actions: [warn] }
  - { name: stop-at-50, metric: test.clock, op: ">", threshold: 45, severity: critical, actions: [abort, rollback] }
`);
  const guard = emGuard({ probes: probes(), runDir: dir, policy, plugins: { metrics: [clock] } });
  try {
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks: [guard] });
    const log = readRunLog(join(dir, 'run.jsonl'));
    const rollback = log.find((r) => r.type === 'rollback') as { toStep: number } | undefined;
    assert.equal(rollback?.toStep, 20);
    const baseline = log.find((r) => r.type === 'baseline') as { values: Record<string, number | null> };
    const checks = log.filter((r) => r.type === 'check') as unknown as { step: number; epoch: number; values: Record<string, number | null> }[];
    const replay = replayPolicy(policy, baseline.values, checks);
    assert.deepEqual([replay.abortStep, replay.rollbackStep], [50, 20]);
  } finally {
    tf.dispose([data.x, y]);
    model.dispose();
    cleanup();
  }
});

test('worker capture: the same verdicts and values as inline capture, checkpoints of the checked steps, no leaked tensors', async () => {
  const policy = parsePolicy(`${policyText()}checkpoint:\n  every: { checks: 3 }\n  keep: 2\n`);
  const runs: Record<
    string,
    { values: Record<string, number | null>[]; where: string[]; stop: number | null; checkpoints: number[]; abortAppliedAt: number; lastBatch: number }
  > = {};
  // Tensors left after each fit (model, optimizer, guard disposed): what tfjs itself keeps is the
  // same in both modes (the inline guard's own leak-freedom is the 200-check test's), so any
  // difference would be the worker mode's.
  const growth: Record<string, number> = {};
  for (const mode of ['inline', 'worker'] as const) {
    const tensorsBefore = tf.memory().numTensors;
    const { dir, cleanup } = tempDir();
    const model = await pretrained();
    model.compile({ optimizer: tf.train.sgd(0.002), loss: tf.losses.softmaxCrossEntropy });
    const data = blobs(960, 21);
    const y = oneHot(data.labels, 1); // destructive but slow: the score falls over ~10 checks, then the rule fires
    const guard = emGuard({ probes: probes(), runDir: dir, policy, capture: mode });
    const run = {
      values: [] as Record<string, number | null>[],
      where: [] as string[],
      stop: null as number | null,
      checkpoints: [] as number[],
      abortAppliedAt: -1,
      lastBatch: 0,
    };
    const counter = new tf.CustomCallback({ onBatchEnd: async () => void (run.lastBatch += 1) });
    guard.on('check', (c) => {
      run.values.push({ ...c.values, step: c.step });
      run.where.push('workerCapture' in (c.timingsMs ?? {}) ? 'worker' : 'inline');
    });
    guard.on('checkpoint', (c) => run.checkpoints.push(c.step));
    guard.on('abort', () => (run.abortAppliedAt = run.lastBatch));
    try {
      const callbacks = mode === 'worker' ? [counter, new tf.CustomCallback(waitForWorker(guard, 60_000)), guard] : [counter, guard];
      await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks });
      run.stop = guard.stopReason?.step ?? null;
    } finally {
      tf.dispose([data.x, y]);
      model.dispose();
      guard.dispose();
      cleanup();
    }
    growth[mode] = tf.memory().numTensors - tensorsBefore;
    runs[mode] = run;
  }
  const inline = runs.inline!;
  const worker = runs.worker!;
  assert.equal(growth.worker, growth.inline, 'worker mode leaves no extra tensors');
  assert.ok(worker.where.filter((w) => w === 'worker').length >= 2, `checks ran on the worker: ${worker.where.join(' ')}`);
  assert.ok(inline.stop !== null, 'the destructive fine-tune is stopped');
  // Same weights at the same steps, same backend: bit-identical activations, so identical values.
  assert.deepEqual(worker.values, inline.values);
  // The verdict is the same check's; it is applied at a later batch end, before the next check.
  assert.equal(worker.stop, inline.stop);
  assert.equal(inline.abortAppliedAt, inline.stop);
  assert.ok(worker.abortAppliedAt > worker.stop! && worker.abortAppliedAt <= worker.stop! + CHECK_EVERY, `abort applied at batch ${worker.abortAppliedAt}`);
  // Periodic checkpoints hold the checked steps' weights in both modes; the rule's own
  // `checkpoint` action saves the live weights when the verdict is applied.
  assert.ok(inline.checkpoints.length >= 4, `periodic checkpoints: ${inline.checkpoints.join(' ')}`);
  assert.deepEqual(worker.checkpoints.slice(0, -1), inline.checkpoints.slice(0, -1));
  assert.deepEqual([inline.checkpoints.at(-1), worker.checkpoints.at(-1)], [inline.abortAppliedAt, worker.abortAppliedAt]);
});

test('worker capture falls back to inline when the worker cannot rebuild the model (custom layer)', async () => {
  class TimesTwo extends tf.layers.Layer {
    static className = 'EmGuardTestTimesTwo';
    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, 2));
    }
  }
  tf.serialization.registerClass(TimesTwo);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [8], name: 'h1', activation: 'relu' }),
      new TimesTwo({ name: 'twice' }),
      tf.layers.dense({ units: 4, name: 'out' }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(320, 22);
  const y = oneHot(data.labels);
  const warnings: string[] = [];
  const logger = (await import('pino')).pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const guard = emGuard({
    probes: probes(),
    runDir: false,
    policy: parsePolicy(policyText().replace('layers: [h1, h2]', 'layers: [h1, twice]')),
    capture: 'worker',
    logger,
  });
  let checks = 0;
  guard.on('check', () => checks++);
  const waitForVerdict: tf.CustomCallbackArgs = {
    onBatchEnd: async (batch) => {
      if (batch !== 0) return;
      const until = Date.now() + 60_000;
      while (!warnings.some((w) => w.includes('capture worker unavailable')) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    },
  };
  try {
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks: [new tf.CustomCallback(waitForVerdict), guard] });
    assert.ok(
      warnings.some((w) => /capture worker unavailable.*EmGuardTestTimesTwo/.test(w)),
      warnings.join('\n'),
    );
    assert.equal(guard.captureWhere, 'inline');
    assert.equal(checks, 320 / 8 / CHECK_EVERY);
  } finally {
    tf.dispose([data.x, y]);
    model.dispose();
    guard.dispose();
  }
});

test('a baseline started on a warm worker that then fails is captured inline from the step-0 weights: the run equals an inline one', async () => {
  const { dir, cleanup } = tempDir();
  // The worker imports this before rebuilding the model: its init fails after the baseline request was sent.
  const refusing = join(dir, 'refuses.mjs');
  writeFileSync(refusing, "throw new Error('this module refuses to load');\n");
  const policy = parsePolicy(policyText());
  const data = blobs(160, 24);
  const y = oneHot(data.labels);
  const runFit = async (args: { capture: 'inline' | 'worker'; workerImports?: string[] }, warmUp = false) => {
    const model = await pretrained();
    model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
    const guard = emGuard({ probes: probes(), runDir: false, policy, ...args });
    const checks: Record<string, number | null>[] = [];
    const notices: string[] = [];
    guard.on('check', (c) => checks.push({ ...c.values, step: c.step }));
    guard.on('notice', (n) => notices.push(n.code));
    try {
      // The warm-up fit holds its first batch until the worker is up, so the thread is kept for the next fit.
      const callbacks = warmUp ? [new tf.CustomCallback(waitForWorker(guard, 60_000)), guard] : [guard];
      await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks });
      return { checks, notices, weights: model.getWeights().map((w) => Array.from(w.dataSync())) };
    } finally {
      model.dispose();
      guard.dispose();
    }
  };
  try {
    await runFit({ capture: 'worker' }, true);
    const failing = await runFit({ capture: 'worker', workerImports: [refusing] });
    const inline = await runFit({ capture: 'inline' });
    assert.ok(failing.notices.includes('capture-worker-error'), `notices: ${failing.notices.join(' ')}`);
    assert.ok(inline.checks.length === 160 / 8 / CHECK_EVERY);
    // Same baseline (every check value is measured against it), and the swap restored the live weights.
    assert.deepEqual(failing.checks, inline.checks);
    assert.deepEqual(failing.weights, inline.weights);
  } finally {
    tf.dispose([data.x, y]);
    cleanup();
  }
});

test('saveBaseline / baseline: a saved baseline replaces the capture and gives the same checks; a mismatch or a damaged file fails before any step', async () => {
  const { dir, cleanup } = tempDir();
  const policy = parsePolicy(policyText());
  const data = blobs(160, 23);
  const y = oneHot(data.labels);
  const runFit = async (args: { runDir: string; saveBaseline?: boolean; baseline?: string }, seed = 1) => {
    const model = await pretrained(seed);
    model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
    const guard = emGuard({ probes: probes(), policy, capture: 'inline', ...args });
    const checks: Record<string, number | null>[] = [];
    guard.on('check', (c) => checks.push(c.values));
    const weightsBefore = model.getWeights().map((w) => Array.from(w.dataSync()));
    try {
      await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks: [guard] });
      return { checks, log: readRunLog(join(args.runDir, 'run.jsonl')), captureMs: guard.timings.capture };
    } catch (e) {
      // Nothing trained: the error came before the first step.
      assert.deepEqual(
        model.getWeights().map((w) => Array.from(w.dataSync())),
        weightsBefore,
      );
      throw e;
    } finally {
      model.dispose();
      guard.dispose();
    }
  };
  try {
    const saved = await runFit({ runDir: join(dir, 'a'), saveBaseline: true });
    const baselineDir = join(dir, 'a', 'baseline');
    assert.ok(existsSync(join(baselineDir, 'baseline.json')) && existsSync(join(baselineDir, 'baseline.bin')));
    const reused = await runFit({ runDir: join(dir, 'b'), baseline: baselineDir });
    const baselineOf = (log: typeof saved.log) => (log.find((r) => r.type === 'baseline') as { values: Record<string, number | null> }).values;
    assert.deepEqual(baselineOf(reused.log), baselineOf(saved.log));
    assert.deepEqual(reused.checks, saved.checks);
    // Other weights (another pretrained seed): refused.
    await assert.rejects(runFit({ runDir: join(dir, 'c'), baseline: baselineDir }, 2), /captured from other weights/);
    // A truncated data file: refused with the file named.
    writeFileSync(join(baselineDir, 'baseline.bin'), Buffer.alloc(16));
    await assert.rejects(runFit({ runDir: join(dir, 'd'), baseline: baselineDir }), /baseline\.bin is 16 bytes, too short/);
    await assert.rejects(runFit({ runDir: join(dir, 'e'), baseline: join(dir, 'nowhere') }), /cannot load the saved baseline.*no such file/);
    assert.throws(() => emGuard({ probes: probes(), runDir: false, saveBaseline: true }), /runDir` is false/);
  } finally {
    tf.dispose([data.x, y]);
    cleanup();
  }
});
