import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { CheckRunner } from '../src/guard/CheckRunner.js';
import { emGuard } from '../src/guard/EmGuard.js';
import { summarizeActivations } from '../src/metrics/activationSummary.js';
import { columnMeans } from '../src/metrics/columnMeans.js';
import { deltaNorms, deltaWithNorms } from '../src/metrics/subtractMatrices.js';
import { loadBundledPolicy } from '../src/policy/loadPolicy.js';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { readRunLog } from '../src/runlog/RunLog.js';
import '../src/registerBuiltins.js';
import { blobs, oneHot, pretrained } from './guardFixtures.js';
import { seededRandom, tempDir, useBackend, waitForWorker } from './helpers.js';
import { blobProbeSets } from './recordedGuardedFit.js';

const LAYERS = ['h1', 'h2'];

test('deltaNorms: the totals of deltaWithNorms bit for bit (kernel blocks of several rows, float32 and float64 inputs), and its errors', () => {
  const rand = seededRandom(11);
  for (const [rows, cols, scale] of [
    [1, 1, 1],
    [7, 5, 3],
    [256, 256, 40],
    [300, 130, 1e-3],
  ] as const) {
    for (const wide of [false, true]) {
      const m = () => {
        const values = Array.from({ length: rows * cols }, () => (rand() * 2 - 1) * scale);
        return { rows, cols, data: wide ? Float64Array.from(values) : Float32Array.from(values) };
      };
      const [after, before] = [m(), m()];
      const d = deltaWithNorms(after, before);
      const n = deltaNorms(after, before);
      assert.ok(Object.is(n.deltaNorm2, d.deltaNorm2) && Object.is(n.beforeNorm2, d.beforeNorm2), `${rows}×${cols} ${wide ? 'float64' : 'float32'}`);
    }
  }
  const m = (rows: number, cols: number, v: number) => ({ rows, cols, data: new Float64Array(rows * cols).fill(v) });
  for (const [after, before] of [
    [m(3, 2, 1), m(3, 3, 1)],
    [m(3, 2, NaN), m(3, 2, 1)],
    [m(3, 2, 1), m(3, 2, Infinity)],
    [m(3, 2, 1e200), m(3, 2, 1)],
  ]) {
    let expected = '';
    assert.throws(
      () => deltaWithNorms(after!, before!),
      (e: Error) => ((expected = e.message), true),
    );
    assert.throws(
      () => deltaNorms(after!, before!),
      (e: Error) => e.message === expected,
    );
  }
});

test('summarizeActivations: the norms of deltaWithNorms and the columnMeans, or the error they raise', () => {
  const rand = seededRandom(3);
  const m = (rows: number, cols: number) => ({ rows, cols, data: Float32Array.from({ length: rows * cols }, () => rand() * 4 - 2) });
  const before = m(7, 5);
  const after = m(7, 5);
  const s = summarizeActivations(after, before);
  const d = deltaWithNorms(after, before);
  assert.ok(s.error === undefined);
  assert.equal(s.deltaNorm2, d.deltaNorm2);
  assert.equal(s.beforeNorm2, d.beforeNorm2);
  assert.deepEqual(s.columnMeans, columnMeans(after));
  assert.deepEqual([s.rows, s.cols], [7, 5]);
  // A reused buffer of the wrong size is replaced, not an error.
  assert.deepEqual(summarizeActivations(after, before, new Float64Array(3)), s);

  const broken = { ...after, data: after.data.slice() };
  broken.data[12] = NaN;
  const bad = summarizeActivations(broken, before);
  assert.throws(
    () => deltaWithNorms(broken, before),
    (e: Error) => e.message === bad.error,
  );
  assert.ok(bad.error !== undefined && /after activations/.test(bad.error), bad.error);
  const shape = summarizeActivations(m(7, 4), before);
  assert.throws(
    () => deltaWithNorms(m(7, 4), before),
    (e: Error) => e.message === shape.error,
  );
});

test('the capture worker summarizes a set against the reference it kept or was sent: bit-identical to summarizing the activations inline', async () => {
  await useBackend();
  const model = await pretrained(4);
  const evalX = blobs(48, 11).x;
  const inline = new ProbeCapture(model, LAYERS, { pooling: 'last', batchSize: 256 });
  const worker = new WorkerCapture(model, LAYERS, { pooling: 'last', batchSize: 256 }, new Map([['eval', evalX]]));
  const data = blobs(64, 12);
  const y = oneHot(data.labels, 1);
  try {
    await worker.ready;
    // The baseline capture keeps its eval activations as the reference and returns them whole.
    const base = await worker.capture(model, ['eval'], [], undefined, { keepReference: ['eval'] });
    assert.equal(base.summaries.size, 0);
    const baseEval = base.activations.get('eval')!;
    assert.deepEqual([...baseEval.keys()], LAYERS);

    await model.fit(data.x, y, { epochs: 1, batchSize: 16, verbose: 0, shuffle: false });
    const now = await inline.capture(evalX);
    const r = await worker.capture(model, ['eval'], [], undefined, { summarize: ['eval'] });
    assert.equal(r.activations.has('eval'), false, 'a summarized set is not sent back whole');
    for (const layer of LAYERS) {
      const got = r.summaries.get('eval')!.get(layer)!;
      assert.deepEqual(got, summarizeActivations(now.get(layer)!, baseEval.get(layer)!));
      assert.ok(got.error === undefined && got.deltaNorm2 > 0);
    }

    // A reference sent with a check replaces the kept one (here: the trained activations themselves, so Δ = 0).
    const sent = await worker.capture(model, ['eval'], [], undefined, { summarize: ['eval'], reference: new Map([['eval', now]]) });
    for (const layer of LAYERS) {
      const got = sent.summaries.get('eval')!.get(layer)!;
      assert.deepEqual(got, summarizeActivations(now.get(layer)!, now.get(layer)!));
      assert.ok(got.error === undefined && got.deltaNorm2 === 0);
    }
  } finally {
    await worker.release({ discard: true });
    tf.dispose([evalX, data.x, y]);
    model.dispose();
  }

  // A new session starts without a reference: asked to summarize, the worker sends the activations.
  const model2 = await pretrained(5);
  const evalY = blobs(16, 13).x;
  const fresh = new WorkerCapture(model2, LAYERS, { pooling: 'last', batchSize: 256 }, new Map([['eval', evalY]]));
  try {
    await fresh.ready;
    const r = await fresh.capture(model2, ['eval'], [], undefined, { summarize: ['eval'] });
    assert.equal(r.summaries.size, 0);
    assert.deepEqual(r.activations.get('eval'), await new ProbeCapture(model2, LAYERS, { pooling: 'last', batchSize: 256 }).capture(evalY));
  } finally {
    await fresh.release({ discard: true });
    tf.dispose(evalY);
    model2.dispose();
  }
});

test('bundled default policy with contrast probes: worker checks (eval summarized there) give the values of inline checks', async () => {
  await useBackend();
  const policy = loadBundledPolicy('default');
  const align = blobs(64, 21);
  const probes = () => ({
    train: blobs(32, 22).x,
    eval: blobs(48, 23).x,
    alignment: { inputs: align.x, expected: align.labels },
    contrast: { aligned: blobs(32, 24).x, misaligned: blobs(32, 25).x },
  });
  const values: Record<string, Record<string, number | null>[]> = {};
  const where: Record<string, string[]> = {};
  for (const mode of ['inline', 'worker'] as const) {
    const model = await pretrained(6);
    model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
    const data = blobs(240, 26);
    const y = oneHot(data.labels, 1);
    const p = probes();
    const { dir, cleanup } = tempDir();
    const guard = emGuard({ probes: p, runDir: dir, policy, capture: mode, unevaluable: 'warn' });
    values[mode] = [];
    where[mode] = [];
    guard.on('check', (c) => {
      values[mode]!.push({ ...c.values, step: c.step });
      where[mode]!.push('workerCapture' in (c.timingsMs ?? {}) ? 'worker' : 'inline');
    });
    try {
      const callbacks = mode === 'worker' ? [new tf.CustomCallback(waitForWorker(guard, 60_000)), guard] : [guard];
      await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks });
    } finally {
      guard.dispose();
      tf.dispose([data.x, y, p.train, p.eval, p.contrast.aligned, p.contrast.misaligned]);
      model.dispose();
      cleanup();
    }
  }
  tf.dispose(align.x);
  assert.ok(where.worker!.filter((w) => w === 'worker').length >= 3, `checks ran on the worker: ${where.worker!.join(' ')}`);
  assert.ok(values.inline!.length >= 5);
  for (const v of values.inline!) {
    assert.equal(typeof v['drift.eval'], 'number');
    assert.equal(typeof v['alignment.projection'], 'number');
  }
  assert.deepEqual(values.worker, values.inline);
});

test('a baseline captured on a warm worker comes with its eval summary from there: the same baseline and check values as inline', async () => {
  await useBackend();
  const policy = loadBundledPolicy('default');
  const { probes, dispose } = blobProbeSets(31);
  const started: boolean[] = [];
  const fromWorker: boolean[] = [];
  const proto = CheckRunner.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const [startOriginal, baselineOriginal] = [proto.startBaselineOnWorker!, proto.baseline!];
  proto.startBaselineOnWorker = function (this: unknown, ...a: unknown[]) {
    const r = startOriginal.apply(this, a) as boolean;
    started.push(r);
    return r;
  };
  proto.baseline = async function (this: unknown, ...a: unknown[]) {
    const r = (await baselineOriginal.apply(this, a)) as { summaries?: unknown };
    fromWorker.push(r.summaries !== undefined);
    return r;
  };
  const runs: { baseline: unknown; checks: unknown[] }[] = [];
  try {
    // inline, then the worker twice: the second fit finds the thread warm and captures its baseline there.
    for (const mode of ['inline', 'worker', 'worker'] as const) {
      const model = await pretrained(7);
      model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
      const data = blobs(240, 36);
      const y = oneHot(data.labels, 1);
      const { dir, cleanup } = tempDir();
      const guard = emGuard({ probes, runDir: dir, policy, capture: mode, unevaluable: 'warn' });
      try {
        const callbacks = mode === 'worker' ? [new tf.CustomCallback(waitForWorker(guard, 60_000)), guard] : [guard];
        await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks });
        const log = readRunLog(join(dir, 'run.jsonl'));
        runs.push({
          baseline: log.find((r) => r.type === 'baseline'),
          checks: log.filter((r) => r.type === 'check').map((r) => ({ ...r, time: undefined, runId: undefined, timingsMs: undefined })),
        });
      } finally {
        guard.dispose();
        tf.dispose([data.x, y]);
        model.dispose();
        cleanup();
      }
    }
  } finally {
    proto.startBaselineOnWorker = startOriginal;
    proto.baseline = baselineOriginal;
    dispose();
  }
  // (The first worker fit may find the thread warm too, when an earlier test left it idle.)
  assert.deepEqual([started[0], started[2]], [false, true], 'the inline fit captures its baseline itself; the last worker fit on the warm thread');
  assert.deepEqual(fromWorker, [false, ...started.slice(1)], 'baselines captured on the worker come with their summaries');
  const values = (b: unknown) => (b as { values: Record<string, number | null> }).values;
  assert.equal(typeof values(runs[2]!.baseline)['drift.eval'], 'number');
  assert.deepEqual(values(runs[2]!.baseline), values(runs[0]!.baseline));
  assert.ok(runs[0]!.checks.length >= 3, `${runs[0]!.checks.length} checks`);
  assert.deepEqual(runs[2]!.checks, runs[0]!.checks);
});
