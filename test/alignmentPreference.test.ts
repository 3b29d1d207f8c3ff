// probes.preference → alignment.preference / alignment.preferenceAccuracy: a closed form, an
// independent float64 log-softmax, validation messages, the unevaluable-rule check, no tensor leak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { emGuard } from '../src/guard/EmGuard.js';
import type { MetricPlugin } from '../src/guard/pluginTypes.js';
import { parsePolicy } from '../src/policy/parsePolicy.js';
import { preferenceScores } from '../src/metrics/preferenceScores.js';
import type { PreferenceProbes } from '../src/probes/probeTypes.js';
import { readRunLog } from '../src/runlog/RunLog.js';
import { seededRandom, tempDir, useBackend, waitForWorker } from './helpers.js';

await useBackend();

const V = 5;
const T = 4;
const C = 2.5;

/**
 * Logits = C · one-hot(input token) at every position: `h` is the identity, `logits` C·I, no bias.
 * Then log p(y_t) = C·[y_t = x_t] − log(V − 1 + e^C), so with chosen targets = the input tokens and
 * rejected targets ≠ them, every pair's margin is exactly C and accuracy is 1.
 */
function knownModel(softmax: boolean): tf.LayersModel {
  const input = tf.input({ shape: [T, V], name: 'onehot' });
  const h = tf.layers.dense({ units: V, useBias: false, name: 'h', kernelInitializer: 'identity' }).apply(input) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: V, useBias: false, name: 'logits', activation: softmax ? 'softmax' : 'linear', kernelInitializer: tf.initializers.constant({ value: 0 }) })
    .apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const scaled = tf.mul(tf.eye(V), C);
  model.getLayer('logits').setWeights([scaled]);
  scaled.dispose();
  return model;
}

/** n rows of T random tokens, one-hot; chosen targets = the tokens, rejected = token + 1 (mod V). */
function pairs(n: number, seed: number, output: 'logits' | 'probabilities'): { probes: PreferenceProbes; tokens: number[][] } {
  const rand = seededRandom(seed);
  const tokens = Array.from({ length: n }, () => Array.from({ length: T }, () => Math.floor(rand() * V)));
  // Answers of varying length: the mask covers positions 1..len.
  const mask = tokens.map((_, i) => Array.from({ length: T }, (_, t) => (t >= 1 && t <= 1 + (i % (T - 1)) ? 1 : 0)));
  const x = () => tf.tidy(() => tf.oneHot(tf.tensor2d(tokens, [n, T], 'int32'), V).asType('float32'));
  return {
    tokens,
    probes: {
      chosen: { inputs: x(), targets: tf.tensor2d(tokens, [n, T], 'int32'), mask: tf.tensor2d(mask) },
      rejected: {
        inputs: x(),
        targets: tf.tensor2d(
          tokens.map((r) => r.map((v) => (v + 1) % V)),
          [n, T],
          'int32',
        ),
        mask: tf.tensor2d(mask),
      },
      output,
    },
  };
}

function disposePairs(p: PreferenceProbes): void {
  tf.dispose([p.chosen.inputs as tf.Tensor, p.chosen.targets, p.chosen.mask, p.rejected.inputs as tf.Tensor, p.rejected.targets, p.rejected.mask]);
}

/** Reference: per-row mean over mask of log-softmax(logits)[target], in float64 JS (no tfjs). */
function referenceScores(logits: number[][][], targets: number[][], mask: number[][]): number[] {
  return logits.map((row, i) => {
    let s = 0;
    let m = 0;
    row.forEach((z, t) => {
      const max = Math.max(...z);
      const lse = max + Math.log(z.reduce((a, v) => a + Math.exp(v - max), 0));
      s += mask[i]![t]! * (z[targets[i]![t]!]! - lse);
      m += mask[i]![t]!;
    });
    return s / m;
  });
}

const policy = (every: number) =>
  parsePolicy(`
version: 1
check:
  every: { batches: ${every} }
  layers: [h]
  rank: 2
rules:
  - name: preference-drop
    metric: alignment.preference
    op: "<"
    threshold: -100
    relativeTo: baseline
    severity: warning
    actions: [warn]
  - name: preference-accuracy
    metric: alignment.preferenceAccuracy
    op: "<"
    threshold: 0
    severity: warning
    actions: [warn]
`);

test('preferenceScores: random logits agree with an independent float64 log-softmax (tolerance 1e-5)', () => {
  const rand = seededRandom(3);
  const n = 6;
  const logits = Array.from({ length: n }, () => Array.from({ length: T }, () => Array.from({ length: V }, () => rand() * 8 - 4)));
  const targets = Array.from({ length: n }, () => Array.from({ length: T }, () => Math.floor(rand() * V)));
  const mask = Array.from({ length: n }, (_, i) => Array.from({ length: T }, (_, t) => (t <= i % T ? 1 : 0)));
  const got = preferenceScores(
    { shape: [n, T, V], data: Float32Array.from(logits.flat(2)) },
    Int32Array.from(targets.flat()),
    Float32Array.from(mask.flat()),
    'logits',
  );
  const want = referenceScores(logits, targets, mask);
  want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) < 1e-5, `row ${i}: ${got[i]} vs ${w}`));
  // The same model emitting probabilities: log of the softmax gives the same scores.
  const probs = logits.map((r) =>
    r.map((z) => {
      const e = z.map((v) => Math.exp(v));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    }),
  );
  const fromProbs = preferenceScores(
    { shape: [n, T, V], data: Float32Array.from(probs.flat(2)) },
    Int32Array.from(targets.flat()),
    Float32Array.from(mask.flat()),
    'probabilities',
  );
  want.forEach((w, i) => assert.ok(Math.abs(fromProbs[i]! - w) < 1e-5, `row ${i} (probabilities): ${fromProbs[i]} vs ${w}`));
});

for (const output of ['logits', 'probabilities'] as const) {
  test(`guard, ${output}: closed form margin = C, accuracy 1, at baseline and every check (inline and worker), no tensor leak`, async () => {
    const { probes } = pairs(12, 5, output);
    const x = tf.tidy(() =>
      tf
        .oneHot(
          tf.tensor2d(
            Array.from({ length: 16 * T }, (_, i) => i % V),
            [16, T],
            'int32',
          ),
          V,
        )
        .asType('float32'),
    );
    try {
      for (const capture of ['inline', 'worker'] as const) {
        const model = knownModel(output === 'probabilities');
        // Learning rate 0: the weights (hence the closed form) hold at every check.
        model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
        const { dir, cleanup } = tempDir();
        const guard = emGuard({ probes: { train: x, eval: x, preference: probes }, runDir: dir, policy: policy(2), capture });
        const values: { step: number; margin: number | null; acc: number | null }[] = [];
        guard.on('check', (c) =>
          values.push({ step: c.step, margin: c.values['alignment.preference'] ?? null, acc: c.values['alignment.preferenceAccuracy'] ?? null }),
        );
        try {
          await model.fit(x, x, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [guard] });
          const before = tf.memory().numTensors;
          await model.fit(x, x, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [guard] });
          assert.equal(tf.memory().numTensors, before, `${capture}: tensors leaked across a fit of checks`);
          const baseline = (readRunLog(join(dir, 'run.jsonl')).find((r) => r.type === 'baseline') as { values: Record<string, number | null> }).values;
          assert.ok(Math.abs(baseline['alignment.preference']! - C) < 1e-5, `${capture} baseline ${baseline['alignment.preference']}`);
          assert.equal(baseline['alignment.preferenceAccuracy'], 1);
          assert.ok(values.length >= 8, `${capture}: ${values.length} checks`);
          for (const v of values) {
            assert.ok(Math.abs(v.margin! - C) < 1e-5, `${capture} step ${v.step}: margin ${v.margin}`);
            assert.equal(v.acc, 1);
          }
        } finally {
          guard.dispose();
          model.dispose();
          cleanup();
        }
      }
    } finally {
      disposePairs(probes);
      x.dispose();
    }
  });
}

test('guard with training: the last inline check equals an independent log-softmax of the final model', async () => {
  const { probes, tokens } = pairs(10, 9, 'logits');
  const n = tokens.length;
  const x = probes.chosen.inputs as tf.Tensor;
  const model = knownModel(false);
  model.compile({ optimizer: tf.train.sgd(0.5), loss: tf.losses.softmaxCrossEntropy });
  // Train towards the rejected answers so the margin moves.
  const y = tf.tidy(() => tf.oneHot(probes.rejected.targets as tf.Tensor2D, V).asType('float32'));
  const guard = emGuard({ probes: { train: x, eval: x, preference: probes }, runDir: false, policy: policy(5), capture: 'inline' });
  const checks: Record<string, number | null>[] = [];
  guard.on('check', (c) => checks.push(c.values));
  try {
    await model.fit(x, y, { epochs: 5, batchSize: 5, shuffle: false, verbose: 0, callbacks: [guard] });
    // 10 batches, checks at steps 5 and 10: the last used the final weights.
    const last = checks.at(-1)!;
    const logits = model.predict(x) as tf.Tensor;
    const arr = logits.arraySync() as number[][][];
    logits.dispose();
    const mask = probes.chosen.mask.arraySync() as number[][];
    const c = referenceScores(arr, tokens, mask);
    const r = referenceScores(
      arr,
      tokens.map((row) => row.map((v) => (v + 1) % V)),
      mask,
    );
    const margin = c.reduce((s, v, i) => s + v - r[i]!, 0) / n;
    const acc = c.filter((v, i) => v > r[i]!).length / n;
    assert.ok(margin < C - 0.5, `training moved the margin (${margin})`);
    assert.ok(Math.abs(last['alignment.preference']! - margin) < 1e-4, `${last['alignment.preference']} vs ${margin}`);
    assert.equal(last['alignment.preferenceAccuracy'], acc);
  } finally {
    guard.dispose();
    model.dispose();
    y.dispose();
    disposePairs(probes);
  }
});

test('probes.preference: shapes are checked at onTrainBegin, naming the set, expected and given shape; rules need it', async () => {
  const { probes } = pairs(6, 2, 'logits');
  const x = probes.chosen.inputs as tf.Tensor;
  const model = knownModel(false);
  model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
  const fit = (preference: PreferenceProbes | undefined) =>
    model.fit(x, x, {
      epochs: 1,
      batchSize: 6,
      verbose: 0,
      callbacks: [emGuard({ probes: { train: x, eval: x, ...(preference ? { preference } : {}) }, runDir: false, policy: policy(1), capture: 'inline' })],
    });
  const short = tf.zeros([6, T - 1], 'int32');
  const shortMask = tf.ones([6, T - 1]);
  const fewer = tf.zeros([5, T], 'int32');
  const zeroMask = tf.zeros([6, T]);
  const badId = tf.fill([6, T], V, 'int32');
  try {
    await assert.rejects(
      fit({ ...probes, rejected: { ...probes.rejected, targets: short, mask: shortMask } }),
      /probes\.preference\.rejected\.targets: expected shape \[6, 4\] \(the model output's positions\), got \[6, 3\]/,
    );
    await assert.rejects(
      fit({ ...probes, chosen: { ...probes.chosen, mask: fewer } }),
      /probes\.preference\.chosen\.mask: expected shape \[6, T\].*got \[5, 4\]/,
    );
    await assert.rejects(fit({ ...probes, chosen: { ...probes.chosen, mask: zeroMask } }), /probes\.preference\.chosen\.mask: row 0 is all zero/);
    await assert.rejects(
      fit({ ...probes, chosen: { ...probes.chosen, targets: badId } }),
      /probes\.preference\.chosen\.targets: row 0, position 0 holds `5`; expected a token id in \[0, 4\]/,
    );
    await assert.rejects(
      fit({ ...probes, chosen: { ...probes.chosen, inputs: tf.zeros([6, T + 1, V]) } }),
      /probes\.preference\.chosen\.inputs: shape \[6, 5, 5\] does not fit model input/,
    );
    await assert.rejects(
      fit(undefined),
      (e: Error & { code?: string }) =>
        e.code === 'unevaluable-rules' && /alignment\.preference.*probes\.preference/.test(e.message) && /alignment\.preferenceAccuracy/.test(e.message),
    );
  } finally {
    tf.dispose([short, shortMask, fewer, zeroMask, badId]);
    model.dispose();
    disposePairs(probes);
  }
});

test('preference sets reach the metrics as n answer scores, reduced where the forward pass ran: worker = inline = preferenceScores of the raw logits', async () => {
  const { probes, tokens } = pairs(10, 11, 'logits');
  const n = tokens.length;
  const x = probes.chosen.inputs as tf.Tensor;
  const y = tf.tidy(() => tf.oneHot(probes.rejected.targets as tf.Tensor2D, V).asType('float32'));
  const runs: Record<
    string,
    { values: Record<string, number | null>[]; seen: { shape: number[]; reduced?: string; data: number[] }[]; where: string[]; final: number[] }
  > = {};
  try {
    for (const capture of ['inline', 'worker'] as const) {
      const model = knownModel(false);
      model.compile({ optimizer: tf.train.sgd(0.5), loss: tf.losses.softmaxCrossEntropy });
      const seen: { shape: number[]; reduced?: string; data: number[] }[] = [];
      // A user metric reading the same outputs the built-in preference metrics read.
      const spy: MetricPlugin = {
        name: 'test.chosenScores',
        description: 'records what the check runner delivers for preference.chosen',
        outputs: ['preference.chosen'],
        compute(ctx) {
          const o = ctx.outputs.get('preference.chosen')!;
          seen.push({ shape: o.shape, ...(o.reduced ? { reduced: o.reduced } : {}), data: Array.from(o.data) });
          return { value: 0 };
        },
      };
      const guard = emGuard({ probes: { train: x, eval: x, preference: probes }, runDir: false, policy: policy(2), capture, plugins: { metrics: [spy] } });
      const run = { values: [] as Record<string, number | null>[], seen, where: [] as string[], final: [] as number[] };
      guard.on('check', (c) => {
        run.values.push({ ...c.values, step: c.step });
        run.where.push('workerCapture' in (c.timingsMs ?? {}) ? 'worker' : 'inline');
      });
      try {
        const callbacks = capture === 'worker' ? [new tf.CustomCallback(waitForWorker(guard)), guard] : [guard];
        // 10 rows, batch 1: checks at steps 2, 4, 6, 8, 10; the last reads the final weights.
        await model.fit(x, y, { epochs: 1, batchSize: 1, shuffle: false, verbose: 0, callbacks });
        const logits = model.predict(x) as tf.Tensor;
        const raw = { shape: logits.shape, data: logits.dataSync() as Float32Array };
        run.final = Array.from(preferenceScores(raw, Int32Array.from(tokens.flat()), Float32Array.from(probes.chosen.mask.dataSync()), 'logits'));
        logits.dispose();
      } finally {
        guard.dispose();
        model.dispose();
      }
      runs[capture] = run;
    }
  } finally {
    y.dispose();
    disposePairs(probes);
  }
  const inline = runs.inline!;
  const worker = runs.worker!;
  assert.ok(worker.where.filter((w) => w === 'worker').length >= 3, `checks on the worker: ${worker.where.join(' ')}`);
  // Baseline + 5 checks, each delivering n scores (not the [n, T, V] logits).
  for (const run of [inline, worker]) {
    assert.equal(run.seen.length, 6);
    for (const s of run.seen) {
      assert.deepEqual(s.shape, [n]);
      assert.equal(s.reduced, 'answerScores');
    }
    // The last check's scores are the final model's scored from its copied-out logits: the same
    // float32 ops on the same values, so equal to the bit (scoring before the copy changes nothing).
    assert.deepEqual(run.seen.at(-1)!.data, run.final);
  }
  assert.deepEqual(worker.seen, inline.seen);
  assert.deepEqual(worker.values, inline.values);
});
