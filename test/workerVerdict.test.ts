// The capture worker computes the built-in metric plugins (alignment.score, alignment.projection,
// alignment.preference*) from each check's capture by the plugins' own functions and answers with
// their results instead of the outputs: the same check events, decisions, actions and run.jsonl,
// bit for bit, as the training thread computing them (the worker verdict forced off); no tensor left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { emGuard, setWorkerVerdictForTests, workerVerdictCounts } from '../src/guard/EmGuard.js';
import { loadBundledPolicy } from '../src/policy/loadPolicy.js';
import { parsePolicy } from '../src/policy/parsePolicy.js';
import type { Policy } from '../src/policy/types.js';
import type { EmGuardProbes } from '../src/probes/probeTypes.js';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { readRunLog } from '../src/runlog/RunLog.js';
import '../src/registerBuiltins.js';
import { seededRandom, tempDir, useBackend, waitForWorker } from './helpers.js';
import { blobData, blobProbeSets, recordedGuardedFit, unguardedFitGrowth } from './recordedGuardedFit.js';

await useBackend();

/** Until `restore`: counts the capture worker's check results that carry metric results, and those that do not. */
function spyMetrics(): { withMetrics: number; without: number; restore: () => void } {
  const sessions = WorkerCapture.prototype as unknown as { capture: WorkerCapture['capture'] };
  const capture = sessions.capture;
  const seen = { withMetrics: 0, without: 0, restore: () => void (sessions.capture = capture) };
  sessions.capture = function (this: WorkerCapture, ...a: Parameters<WorkerCapture['capture']>) {
    const ticket = capture.apply(this, a);
    ticket.then(
      (r) => {
        if (a[1].length === 0) return; // a checkpoint's packing, no check
        if (r.metrics) seen.withMetrics += 1;
        else seen.without += 1;
      },
      () => undefined,
    );
    return ticket;
  };
  return seen;
}

async function withVerdict<T>(on: boolean, run: () => Promise<T>): Promise<T & { withMetrics: number; without: number; policiesTaken: number }> {
  const previous = setWorkerVerdictForTests(on);
  const spy = spyMetrics();
  const taken = workerVerdictCounts.taken;
  try {
    const r = await run();
    return { ...r, withMetrics: spy.withMetrics, without: spy.without, policiesTaken: workerVerdictCounts.taken - taken };
  } finally {
    spy.restore();
    setWorkerVerdictForTests(previous);
  }
}

test('MLP, bundled default policy: check events and records identical with the worker computing alignment.score and alignment.projection; no tensor left', async () => {
  const policy = loadBundledPolicy('default');
  const { probes, dispose } = blobProbeSets();
  const data = blobData();
  const unguarded = await unguardedFitGrowth(data);
  try {
    await withVerdict(true, () => recordedGuardedFit(probes, data, policy, true)); // starts the thread
    const here = await withVerdict(false, () => recordedGuardedFit(probes, data, policy, true));
    const worker = await withVerdict(true, () => recordedGuardedFit(probes, data, policy, true));
    assert.equal(here.withMetrics, 0, 'off: no metric computed on the worker');
    assert.equal(here.policiesTaken, 0);
    assert.ok(worker.withMetrics >= 2, `checks whose metrics came from the worker: ${worker.withMetrics} (without: ${worker.without})`);
    assert.ok(worker.policiesTaken >= 2, `checks whose policy evaluation came from the worker: ${worker.policiesTaken}`);
    assert.ok(here.events.length >= 6, `checks: ${here.events.length}`);
    assert.ok(here.events.every((e) => e.includes('"alignment.score":') && e.includes('"alignment.projection@')));
    assert.deepEqual(worker.events, here.events);
    assert.deepEqual(worker.records, here.records);
    assert.deepStrictEqual(worker.exact, here.exact);
    assert.equal(worker.growth, unguarded, 'no tensor left by the guard');
    assert.equal(here.growth, unguarded);
  } finally {
    data.dispose();
    dispose();
  }
});

// A small sequence model: one-hot tokens [T, V] → dense `h` → dense `logits` [T, V].
const V = 6;
const T = 4;

function lm(): tf.LayersModel {
  const input = tf.input({ shape: [T, V], name: 'tokens' });
  const h = tf.layers.dense({ units: 8, activation: 'tanh', name: 'h', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(input);
  const out = tf.layers.dense({ units: V, name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  model.compile({ optimizer: tf.train.sgd(0.5), loss: tf.losses.softmaxCrossEntropy });
  return model;
}

function tokens(n: number, seed: number): number[][] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: T }, () => Math.floor(rand() * V)));
}

const oneHotTokens = (t: number[][]) => tf.tidy(() => tf.oneHot(tf.tensor2d(t, [t.length, T], 'int32'), V).asType('float32'));

function lmProbes(): { probes: EmGuardProbes; dispose: () => void } {
  const pairs = tokens(12, 15);
  const mask = tf.tensor2d(pairs.map((_, i) => Array.from({ length: T }, (_, t) => (t >= 1 && t <= 1 + (i % (T - 1)) ? 1 : 0))));
  const rejectedMask = mask.clone();
  const align = tokens(20, 11);
  const probes: EmGuardProbes = {
    train: oneHotTokens(tokens(10, 12)),
    eval: oneHotTokens(tokens(14, 13)),
    alignment: { inputs: oneHotTokens(align), expected: align.map((r) => r[0]!) },
    contrast: { aligned: oneHotTokens(tokens(8, 14)), misaligned: oneHotTokens(tokens(8, 16)) },
    preference: {
      chosen: { inputs: oneHotTokens(pairs), targets: tf.tensor2d(pairs, [pairs.length, T], 'int32'), mask },
      rejected: {
        inputs: oneHotTokens(pairs),
        targets: tf.tensor2d(
          pairs.map((r) => r.map((v) => (v + 1) % V)),
          [pairs.length, T],
          'int32',
        ),
        mask: rejectedMask,
      },
    },
  };
  const p = probes.preference!;
  const dispose = () =>
    tf.dispose([
      probes.train as tf.Tensor,
      probes.eval as tf.Tensor,
      probes.alignment!.inputs as tf.Tensor,
      probes.contrast!.aligned as tf.Tensor,
      probes.contrast!.misaligned as tf.Tensor,
      p.chosen.inputs as tf.Tensor,
      p.chosen.targets,
      p.chosen.mask,
      p.rejected.inputs as tf.Tensor,
      p.rejected.targets,
      p.rejected.mask,
    ]);
  return { probes, dispose };
}

const lmPolicy = (rules: string) =>
  parsePolicy(
    `
version: 1
check:
  every: { batches: 2 }
  layers: [h]
  rank: 2
  pooling: mean
checkpoint:
  every: { checks: 2 }
rules:
${rules}
`,
    '<test>',
  );

/** Reads all three built-in metric families; fires warnings only. */
const quiet = lmPolicy(`
  - name: score
    metric: alignment.score
    op: "<"
    threshold: -0.05
    relativeTo: baseline
    severity: warning
    actions: [warn]
  - name: projection
    metric: alignment.projection
    op: ">"
    threshold: 0.05
    severity: warning
    actions: [warn]
  - name: preference
    metric: alignment.preference
    op: "<"
    threshold: -0.01
    relativeTo: baseline
    severity: info
    actions: [warn]
  - name: preference-accuracy
    metric: alignment.preferenceAccuracy
    op: "<"
    threshold: 2
    severity: info
    actions: [warn]
`);

/** The same metrics; a rule on the preference margin aborts and rolls back at its third firing check. */
const firing = lmPolicy(`
  - name: score
    metric: alignment.score
    op: "<"
    threshold: -0.05
    relativeTo: baseline
    severity: warning
    actions: [warn]
  - name: projection
    metric: alignment.projection
    op: ">"
    threshold: 1000
    severity: warning
    actions: [warn]
  - name: preference-drop
    metric: alignment.preference
    op: "<"
    threshold: 1000
    for: 3
    severity: critical
    actions: [abort, rollback]
`);

interface LmFit {
  /** Every event the guard emitted but `checkpoint`, as JSON text, in order. */
  events: string[];
  /** Each check event's values (Object.is per number). */
  exact: unknown[];
  /** Every run.jsonl record but `checkpoint`, without time, run id, timings and the run directory. */
  records: string[];
  /**
   * The `checkpoint` events and records, in order. Background checkpoints (baseline, periodic) are
   * recorded once durable, so where they fall among the checks depends on the disk and the threads,
   * not on where the metrics were computed: in a loaded CI run the baseline landed after check 2.
   */
  checkpoints: { events: string[]; records: string[] };
  stopped: boolean;
  growth: number;
}

/**
 * Makes each worker verdict land at the batch end right after its check, whatever the machine's
 * speed: at each batch end (before the guard's) waits for a pending check's reply to be taken. An
 * abort then stops both ways at the same step, so whole runs compare, not only their checks.
 */
function verdictNextBatch(guard: ReturnType<typeof emGuard>): tf.CustomCallbackArgs {
  const runner = () => (guard as unknown as { runner: { hasPending: boolean; settled: boolean } | null }).runner;
  return {
    onBatchEnd: async () => {
      const until = Date.now() + 30_000;
      while (runner()?.hasPending && !runner()!.settled && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    },
  };
}

async function lmFit(policy: Policy, probes: EmGuardProbes, data: { x: tf.Tensor; y: tf.Tensor }): Promise<LmFit> {
  const model = lm();
  const { dir, cleanup } = tempDir();
  const guard = emGuard({ probes, runDir: dir, policy, capture: 'worker', unevaluable: 'warn' });
  const events: string[] = [];
  const exact: unknown[] = [];
  guard.on('check', (c) => {
    events.push(JSON.stringify({ check: c.step, values: c.values, reasons: c.reasons }));
    exact.push(c.values);
  });
  for (const name of ['breach', 'abort', 'rollback', 'checkpoint'] as const)
    guard.on(name, (e: unknown) => events.push(JSON.stringify({ [name]: e }).replaceAll(dir, '<dir>')));
  const before = tf.memory().numTensors;
  try {
    await model.fit(data.x, data.y, {
      epochs: 1,
      batchSize: 4,
      shuffle: false,
      verbose: 0,
      callbacks: [new tf.CustomCallback(waitForWorker(guard, 60_000)), new tf.CustomCallback(verdictNextBatch(guard)), guard],
    });
    const stopped = guard.stopReason !== null;
    guard.dispose();
    model.dispose();
    const records = readRunLog(join(dir, 'run.jsonl')).map((r) =>
      JSON.stringify({ ...r, time: undefined, runId: undefined, timingsMs: undefined, ms: undefined, durationMs: undefined }).replaceAll(dir, '<dir>'),
    );
    const isCheckpoint = (line: string) => line.startsWith('{"checkpoint"') || line.startsWith('{"type":"checkpoint"');
    return {
      events: events.filter((e) => !isCheckpoint(e)),
      exact,
      records: records.filter((r) => !isCheckpoint(r)),
      checkpoints: { events: events.filter(isCheckpoint), records: records.filter(isCheckpoint) },
      stopped,
      growth: tf.memory().numTensors - before,
    };
  } finally {
    cleanup();
  }
}

test('language model, policies on alignment.score, alignment.projection and alignment.preference*: events, decisions, abort + rollback and run.jsonl identical with the worker computing them; no tensor left', async () => {
  const { probes, dispose } = lmProbes();
  const train = tokens(48, 21);
  const data = {
    x: oneHotTokens(train),
    y: tf.tidy(() =>
      tf
        .oneHot(
          tf.tensor2d(
            train.map((r) => r.map((v) => (v + 2) % V)),
            [train.length, T],
            'int32',
          ),
          V,
        )
        .asType('float32'),
    ),
  };
  try {
    await withVerdict(true, () => lmFit(quiet, probes, data)); // starts the thread
    for (const policy of [quiet, firing]) {
      const here = await withVerdict(false, () => lmFit(policy, probes, data));
      const worker = await withVerdict(true, () => lmFit(policy, probes, data));
      assert.equal(here.withMetrics, 0);
      assert.equal(here.policiesTaken, 0);
      assert.ok(worker.withMetrics >= 1, `checks whose metrics came from the worker: ${worker.withMetrics} (without: ${worker.without})`);
      assert.ok(worker.policiesTaken >= 1, `checks whose policy evaluation came from the worker: ${worker.policiesTaken}`);
      const checks = here.events.filter((e) => e.startsWith('{"check"'));
      assert.ok(checks.length >= 3, `checks: ${checks.length}`);
      assert.ok(
        checks.every((e) => e.includes('"alignment.preference":') && e.includes('"alignment.preferenceAccuracy":') && e.includes('"alignment.score":')),
      );
      assert.ok(
        checks.some((e) => /"alignment\.projection":-?\d/.test(e)),
        'projection has values',
      );
      assert.deepEqual(worker.events, here.events);
      assert.deepEqual(worker.records, here.records);
      assert.deepEqual(worker.checkpoints, here.checkpoints);
      assert.ok(here.checkpoints.events.length >= 1 && here.checkpoints.records.length === here.checkpoints.events.length, 'the baseline checkpoint at least');
      assert.deepStrictEqual(worker.exact, here.exact);
      assert.equal(worker.stopped, here.stopped);
      if (policy === firing) {
        assert.ok(here.stopped, 'the firing policy aborted');
        assert.ok(
          here.events.some((e) => e.startsWith('{"rollback"')),
          'and rolled back',
        );
      }
      assert.equal(worker.growth, here.growth, 'the same tensors left either way');
    }
  } finally {
    tf.dispose([data.x, data.y]);
    dispose();
  }
});
