// Weights that break after a batch's loss was computed (a user callback, an optimizer overflow)
// give a check non-finite activations: the check reads `nonfinite` = 1 and the policy decides,
// as for a non-finite loss; `fit` is never rejected with a metric's internal error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { pino } from 'pino';
import { emGuard } from '../src/guard/EmGuard.js';
import { findNonFiniteActivations } from '../src/guard/findNonFiniteActivations.js';
import type { CheckEvent, CheckpointEvent, NoticeEvent } from '../src/guard/guardEvents.js';
import { summarizeActivations } from '../src/metrics/activationSummary.js';
import { parsePolicy } from '../src/policy/parsePolicy.js';
import { readRunLog } from '../src/runlog/RunLog.js';
import { blobs, oneHot, pretrained } from './guardFixtures.js';
import { tempDir, useBackend, waitForWorker } from './helpers.js';

await useBackend();

const probeTrain = blobs(32, 9);
const probeEval = blobs(32, 10);
const data = blobs(160, 6);
const y = oneHot(data.labels);
/** The batch (0-based) at whose end the user's callback breaks the weights: step 10, a check (every 5). */
const BREAK_AT = 9;

/** A user callback that sets every weight to NaN at the end of batch `BREAK_AT` (its loss was finite). */
function breakWeights(model: tf.LayersModel): tf.CustomCallback {
  return new tf.CustomCallback({
    onBatchEnd: async (batch) => {
      if (batch !== BREAK_AT) return;
      const nan = model.getWeights().map((w) => tf.fill(w.shape, NaN));
      model.setWeights(nan);
      tf.dispose(nan);
    },
  });
}

const policyFor = (metric: string, nonfiniteRule: boolean, extra = '') =>
  parsePolicy(`version: 1
check: { every: { batches: 5 }, layers: [h1, out] }
rules:
${nonfiniteRule ? '  - { name: nonfinite, metric: nonfinite, op: ">", threshold: 0, severity: critical, actions: [abort] }\n' : ''}  - { name: drift, metric: ${metric}, op: ">", threshold: 1000, severity: info, actions: [warn] }
${extra}`);

interface Outcome {
  checks: CheckEvent[];
  notices: NoticeEvent[];
  checkpoints: CheckpointEvent[];
  warnLines: Record<string, unknown>[];
  records: ReturnType<typeof readRunLog>;
  where: ('worker' | 'inline')[];
  stop: string | null;
}

/** One guarded fit whose weights break at step 10; resolves with what the guard said. */
async function brokenFit(capture: 'worker' | 'inline', metric: string, nonfiniteRule = true, extra = ''): Promise<Outcome> {
  const { dir, cleanup } = tempDir();
  const model = await pretrained(); // compiled with its own Adam, disposed below (a model does not own a passed optimizer)
  const optimizer = model.optimizer;
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const guard = emGuard({ probes: { train: probeTrain.x, eval: probeEval.x }, runDir: dir, policy: policyFor(metric, nonfiniteRule, extra), capture, logger });
  const out: Outcome = { checks: [], notices: [], checkpoints: [], warnLines: [], records: [], where: [], stop: null };
  guard.on('check', (c) => out.checks.push(c));
  guard.on('notice', (n) => out.notices.push(n));
  guard.on('checkpoint', (c) => out.checkpoints.push(c));
  const track = new tf.CustomCallback({ onBatchEnd: async () => void out.where.push(guard.captureWhere) });
  try {
    const hold = capture === 'worker' ? [new tf.CustomCallback(waitForWorker(guard))] : [];
    // The user's callback comes before the guard: at the checked batch's end the weights are NaN already.
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks: [...hold, breakWeights(model), track, guard] });
    out.warnLines = lines.filter((l) => l.event === 'notice');
    out.records = readRunLog(join(dir, 'run.jsonl'));
    out.stop = guard.stopReason?.rule ?? null;
    return out;
  } finally {
    guard.dispose();
    model.dispose();
    optimizer.dispose();
    cleanup();
  }
}

function assertNonFiniteCheck(o: Outcome, label: string, sets: RegExp): void {
  const at10 = o.checks.find((c) => c.step === 10);
  assert.ok(at10, `${label}: a check at step 10: ${JSON.stringify(o.checks.map((c) => c.step))}`);
  assert.equal(at10.values.nonfinite, 1, `${label}: step 10 reads nonfinite`);
  assert.equal(typeof at10.values.loss, 'number', `${label}: the window's finite loss is kept`);
  assert.match(
    at10.reasons.nonfinite ?? '',
    new RegExp(`^non-finite activations \\(probe set \`${sets.source}\`, layer \`(h1|out)\`: NaN at row \\d+, col \\d+\\)$`),
    label,
  );
  assert.equal(o.checks.find((c) => c.step === 5)?.values.nonfinite, 0, `${label}: step 5 was finite`);
  const mine = o.notices.filter((n) => n.code === 'activations-nonfinite');
  assert.deepEqual(
    mine.map((n) => n.step),
    [10],
    `${label}: one notice, at the check: ${JSON.stringify(o.notices)}`,
  );
  assert.match(mine[0]!.message, /the activations captured at step 10 are not finite \(probe set `(train|eval)`, layer `(h1|out)`: NaN/);
  const warn = o.warnLines.filter((l) => l.code === 'activations-nonfinite');
  assert.equal(warn.length, 1, `${label}: one pino warn line`);
  assert.equal(warn[0]!.level, 40);
  const rec = o.records.filter((r) => r.type === 'notice' && r.code === 'activations-nonfinite');
  assert.deepEqual(
    rec.map((r) => r.type === 'notice' && r.step),
    [10],
    `${label}: one run.jsonl notice record`,
  );
  const check10 = o.records.find((r) => r.type === 'check' && r.step === 10);
  assert.ok(check10 && check10.type === 'check' && check10.values.nonfinite === 1, `${label}: run.jsonl check record at step 10 reads nonfinite`);
  assert.equal(o.stop, 'nonfinite', `${label}: the policy's nonfinite rule decided (abort)`);
}

test('a check whose activations are NaN (weights broken after a finite loss) reads nonfinite, on the worker and inline, summarized or raw; fit resolves; no tensor leaks', async () => {
  const cases = [
    // drift.eval alone: eval activations summarized (on the worker, or here inline); drift.train: raw train + eval matrices.
    ['inline', 'drift.eval', /eval/],
    ['inline', 'drift.train', /(train|eval)/],
    ['worker', 'drift.eval', /eval/],
    ['worker', 'drift.train', /(train|eval)/],
  ] as const;
  let tensors: number | null = null;
  for (let round = 0; round < 2; round++) {
    for (const [capture, metric, sets] of cases) {
      const label = `${capture}/${metric}/round ${round}`;
      const o = await brokenFit(capture, metric);
      assertNonFiniteCheck(o, label, sets);
      // The worker really captured the broken check (it was up from batch 1 on).
      if (capture === 'worker') assert.equal(o.where[BREAK_AT], 'worker', `${label}: captured on the worker`);
      else
        assert.ok(
          o.where.every((w) => w === 'inline'),
          label,
        );
    }
    // Round 0 warms tfjs' caches (kernels, the pre-trained weights); round 1 must hold no more tensors.
    if (round === 0) tensors = tf.memory().numTensors;
    else assert.equal(tf.memory().numTensors, tensors, 'tf.memory().numTensors unchanged across repeated runs');
  }
});

test('without a nonfinite rule a broken check still reads nonfinite, and never becomes a periodic safe checkpoint', async () => {
  for (const capture of ['inline', 'worker'] as const) {
    const o = await brokenFit(capture, 'drift.eval', false, 'checkpoint: { every: { checks: 1 }, keep: 5 }\n');
    assert.equal(o.stop, null, capture);
    assert.equal(o.checks.find((c) => c.step === 10)?.values.nonfinite, 1, capture);
    // Baseline and step 5 are safe; step 10 (NaN activations) and the NaN-loss checks after it are not kept as safe.
    assert.deepEqual(
      o.checkpoints.filter((c) => c.safe).map((c) => c.step),
      [0, 5],
      `${capture}: ${JSON.stringify(o.checkpoints)}`,
    );
  }
});

test('weights that turn NaN while every logged loss stays finite (categoricalCrossentropy on linear outputs summing to 0) read nonfinite at the next check', async () => {
  // categoricalCrossentropy divides the outputs by their row sum S and clips to [ε, 1 − ε]: with
  // S = 0 the gradient is 0 · ∞ = NaN, Adam makes every weight NaN, and on wasm the clip maps the
  // NaN outputs into range, so every later loss is a finite −ln ε ≈ 16.118. Paired output columns
  // (w, −w) and zero biases make S exactly 0 for every row, the rare event of a real fit made certain.
  const model = await pretrained();
  const optimizer = model.optimizer;
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const out = model.getLayer('out');
  const [kernel, bias] = out.getWeights();
  const paired = tf.tidy(() => {
    const half = kernel!.slice([0, 0], [-1, kernel!.shape[1]! / 2]);
    return [tf.stack([half, half.neg()], 2).reshape(kernel!.shape), tf.zerosLike(bias!)];
  });
  out.setWeights(paired);
  tf.dispose(paired);
  const losses: number[] = [];
  const checks: CheckEvent[] = [];
  const guard = emGuard({ probes: { train: probeTrain.x, eval: probeEval.x }, runDir: false, policy: policyFor('drift.eval', true), capture: 'inline' });
  guard.on('check', (c) => checks.push(c));
  try {
    const logLoss = new tf.CustomCallback({ onBatchEnd: async (_b, logs) => void losses.push(logs!.loss as number) });
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks: [logLoss, guard] });
    assert.equal(guard.stopReason?.rule, 'nonfinite');
    const broken = checks.find((c) => c.values.nonfinite === 1);
    assert.ok(broken, `a check read nonfinite: ${JSON.stringify(checks.map((c) => [c.step, c.values.nonfinite]))}`);
    if (tf.getBackend() === 'wasm') {
      // The loss never said so: the activations did, at the first check.
      assert.ok(losses.every(Number.isFinite), `finite losses: ${losses.join(' ')}`);
      assert.equal(broken.step, 5);
      assert.match(broken.reasons.nonfinite ?? '', /^non-finite activations \(probe set `eval`, layer `(h1|out)`: NaN/);
    }
  } finally {
    guard.dispose();
    model.dispose();
    optimizer.dispose();
  }
});

test('findNonFiniteActivations names the set, layer and cell; summaries made where captured carry it', () => {
  const base = { rows: 2, cols: 3, data: new Float32Array([1, 2, 3, 4, 5, 6]) };
  const fine = { rows: 2, cols: 3, data: new Float32Array([1, 2, 3, 4, 5, 7]) };
  const bad = { rows: 2, cols: 3, data: new Float32Array([1, 2, 3, 4, Infinity, NaN]) };
  assert.equal(findNonFiniteActivations(new Map([['eval', new Map([['h', fine]])]]), new Map()), null);
  assert.deepEqual(
    findNonFiniteActivations(
      new Map([
        ['eval', new Map([['h', fine]])],
        ['train', new Map([['h', bad]])],
      ]),
      new Map(),
    ),
    {
      set: 'train',
      layer: 'h',
      row: 1,
      col: 1,
      value: Infinity,
    },
  );
  const s = summarizeActivations(bad, base);
  assert.ok(s.error !== undefined, 'a non-finite summary is an error');
  assert.deepEqual(s.nonfinite, { row: 1, col: 1, value: Infinity });
  assert.equal(summarizeActivations(fine, base).error, undefined);
  assert.deepEqual(findNonFiniteActivations(new Map(), new Map(), new Map([['eval', new Map([['h', s]])]])), {
    set: 'eval',
    layer: 'h',
    row: 1,
    col: 1,
    value: Infinity,
  });
  // A shape mismatch is not a non-finite value: it stays an error for the metrics to raise.
  const mismatch = summarizeActivations({ rows: 1, cols: 3, data: new Float32Array([1, 2, 3]) }, base);
  assert.ok(mismatch.error !== undefined && mismatch.nonfinite === undefined);
  assert.equal(findNonFiniteActivations(new Map(), new Map(), new Map([['eval', new Map([['h', mismatch]])]])), null);
  // Model outputs too (no layer).
  assert.deepEqual(findNonFiniteActivations(new Map(), new Map([['alignment', { shape: [2, 2], data: new Float32Array([0, 0, NaN, 0]) }]])), {
    set: 'alignment',
    layer: null,
    row: 1,
    col: 0,
    value: NaN,
  });
});

test.after(() => tf.dispose([probeTrain.x, probeEval.x, data.x, y]));
