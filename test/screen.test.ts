import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { auroc } from '../src/analysis/auroc.js';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/cliIo.js';
import { loadAlignedOrganism } from '../src/organism/loadAlignedOrganism.js';
import { classifierProjectionDifference } from '../src/screen/classifierProjectionDifference.js';
import { classifierScorer } from '../src/screen/classifierScorer.js';
import { misalignmentDirections } from '../src/screen/misalignmentDirections.js';
import { organismCalibrationSet, organismContrast, organismPlantedSet, organismScorer } from '../src/screen/organismScreenSets.js';
import { screenCsv } from '../src/screen/screenCsv.js';
import { screenDataset } from '../src/screen/screenDataset.js';
import { tempDir, useBackend } from './helpers.js';

before(async () => useBackend());

// A 3 → 4 (linear `h`) → 3 (ReLU `hid`) → 3 logits (`out`) model with fixed weights, so every
// score has a closed form: s = û · W2 diag(1[hW2 + b2 > 0]) W3 (e_y − e_own) at `h`, û · W3 (e_y − e_own) at `hid`.
const W1 = [
  [1, 0, 0.5, -1],
  [0, 1, -0.5, 0.5],
  [0.3, -0.2, 1, 0],
];
const W2 = [
  [1, -1, 0.5],
  [0.5, 1, -0.3],
  [-0.2, 0.4, 1],
  [0.7, 0.1, -0.6],
];
const b2 = [0.1, -0.2, 0.05];
const W3 = [
  [1, -0.5, 0.2],
  [-0.3, 0.8, 0.6],
  [0.4, 0.1, -0.9],
];
const b3 = [0, 0.1, -0.1];

function toyModel(): tf.LayersModel {
  const input = tf.input({ shape: [3] });
  const h = tf.layers.dense({ name: 'h', units: 4, useBias: false }).apply(input) as tf.SymbolicTensor;
  const hid = tf.layers.dense({ name: 'hid', units: 3, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'out', units: 3 }).apply(hid) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out });
  m.getLayer('h').setWeights([tf.tensor2d(W1)]);
  m.getLayer('hid').setWeights([tf.tensor2d(W2), tf.tensor1d(b2)]);
  m.getLayer('out').setWeights([tf.tensor2d(W3), tf.tensor1d(b3)]);
  return m;
}

const vecMat = (v: number[], M: number[][]) => M[0]!.map((_, j) => v.reduce((s, x, i) => s + x * M[i]![j]!, 0));
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** Float64 forward pass and closed-form scores of the toy model. */
function reference(x: number[], y: number, u: number[], layer: 'h' | 'hid') {
  const h = vecMat(x, W1);
  const pre = vecMat(h, W2).map((v, j) => v + b2[j]!);
  const a = pre.map((v) => Math.max(0, v));
  const z = vecMat(a, W3).map((v, j) => v + b3[j]!);
  const own = z.indexOf(Math.max(...z));
  const e = [0, 1, 2].map((c) => (c === y ? 1 : 0) - (c === own ? 1 : 0));
  const gA = W3.map((row) => dot(row, e)); // ∂(z_y − z_own)/∂a = W3 e
  const norm = Math.hypot(...u);
  if (layer === 'hid') return { own, score: dot(gA, u) / norm };
  const gH = W2.map((row) => row.reduce((s, w, j) => s + w * (pre[j]! > 0 ? gA[j]! : 0), 0)); // W2 diag(relu') W3 e
  return { own, score: dot(gH, u) / norm };
}

describe('classifier projection difference', () => {
  test('matches the closed form at a layer before a ReLU and right before the readout (float32, 1e-5)', () => {
    const model = toyModel();
    const xs = [
      [1, 2, -1],
      [0.5, -1, 2],
      [-1, 0.3, 0.7],
      [2, -2, 0.1],
      [0.2, 0.2, 0.2],
      [-0.5, 1.5, -1],
    ];
    const labels = [2, 0, 1, 1, 2, 0];
    for (const [layer, u] of [
      ['h', [0.3, -1, 0.5, 2]],
      ['hid', [1, 0.5, -0.7]],
    ] as const) {
      const norm = Math.hypot(...u);
      const x = tf.tensor2d(xs);
      const r = classifierProjectionDifference(
        model,
        layer,
        x,
        labels,
        Float64Array.from(u, (v) => v / norm),
      );
      x.dispose();
      xs.forEach((row, i) => {
        const ref = reference(row, labels[i]!, [...u], layer);
        assert.equal(r.own[i], ref.own, `own prediction of row ${i}`);
        assert.ok(Math.abs(r.scores[i]! - ref.score) <= 1e-5 * Math.max(1, Math.abs(ref.score)), `${layer} row ${i}: ${r.scores[i]} vs ${ref.score}`);
      });
    }
    model.dispose();
  });

  test("is exactly 0 when the label is the model's own prediction", () => {
    const model = toyModel();
    const xs = [
      [1, 2, -1],
      [0.5, -1, 2],
    ];
    const own = xs.map((x) => reference(x, 0, [1, 0, 0], 'hid').own);
    const x = tf.tensor2d(xs);
    const r = classifierProjectionDifference(model, 'h', x, own, Float64Array.from([0.5, 0.5, 0.5, 0.5]));
    x.dispose();
    assert.deepEqual(Array.from(r.scores), [0, 0]);
    model.dispose();
  });

  test('the direction is mean(misaligned) − mean(aligned) of the contrast activations', async () => {
    const model = toyModel();
    const aligned = [
      [1, 0, 0],
      [0, 1, 0],
    ];
    const misaligned = [
      [0, 0, 1],
      [1, 1, 1],
    ];
    const al = tf.tensor2d(aligned);
    const mis = tf.tensor2d(misaligned);
    const [d] = await misalignmentDirections(model, ['h'], { aligned: al, misaligned: mis });
    tf.dispose([al, mis]);
    const mean = (rows: number[][]) =>
      vecMat(
        rows
          .map((r) => vecMat(r, W1))
          .reduce((a, b) => a.map((v, i) => v + b[i]!))
          .map((v) => v / rows.length),
        [
          [1, 0, 0, 0],
          [0, 1, 0, 0],
          [0, 0, 1, 0],
          [0, 0, 0, 1],
        ],
      );
    const expected = mean(misaligned).map((v, i) => v - mean(aligned)[i]!);
    Array.from(d!.direction).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `u[${i}] ${v} vs ${expected[i]}`));
    assert.ok(Math.abs(d!.norm - Math.hypot(...expected)) < 1e-6);
    model.dispose();
  });

  test('refuses a layer that is not flat or not on the chain to the output', () => {
    const model = toyModel();
    const x = tf.tensor2d([[1, 2, 3]]);
    assert.throws(() => classifierProjectionDifference(model, 'nope', x, [0], new Float64Array(4)), /unknown layer `nope`/);
    assert.throws(() => classifierProjectionDifference(model, 'h', x, [5], new Float64Array(4)), /class index in \[0, 2\]/);
    assert.throws(() => classifierProjectionDifference(model, 'h', x, [0], new Float64Array(3)), /3 entries but layer `h` is 4 wide/);
    x.dispose();
    model.dispose();
  });
});

describe('screenDataset', () => {
  test('toy model: the ranking is the closed-form ranking and the threshold is the calibration quantile', async () => {
    const model = toyModel();
    const xs = [
      [1, 2, -1],
      [0.5, -1, 2],
      [-1, 0.3, 0.7],
      [2, -2, 0.1],
      [0.2, 0.2, 0.2],
      [-0.5, 1.5, -1],
      [0.9, 0.1, -0.3],
      [-2, 1, 1],
    ];
    const labels = [2, 0, 1, 1, 2, 0, 2, 1];
    const calX = [
      [0.1, 0, 0],
      [0, 0.1, 0],
      [0, 0, 0.1],
      [1, 1, 0],
      [0, 1, 1],
    ];
    const calOwn = calX.map((x) => reference(x, 0, [1, 0, 0], 'hid').own);
    const contrastA = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const contrastM = tf.tensor2d([
      [0, 0, 1],
      [1, 1, 1],
    ]);
    const data = classifierScorer(model, { inputs: tf.tensor2d(xs), labels, text: xs.map((_, i) => `row ${i}`) });
    const calibration = classifierScorer(model, { inputs: tf.tensor2d(calX), labels: calOwn });
    const r = await screenDataset({
      model,
      data,
      calibration,
      contrast: { aligned: contrastA, misaligned: contrastM },
      layers: ['h', 'hid'],
      primaryLayer: 'h',
      resamples: 200,
    });
    const [d] = await misalignmentDirections(model, ['h'], { aligned: contrastA, misaligned: contrastM });
    const ref = xs.map((x, i) => reference(x, labels[i]!, Array.from(d!.direction), 'h').score);
    const expectedOrder = ref.map((_, i) => i).sort((a, b) => ref[b]! - ref[a]! || a - b);
    assert.deepEqual(
      r.ranked.map((e) => e.index),
      expectedOrder,
    );
    assert.equal(r.ranked[0]!.text, `row ${expectedOrder[0]}`);
    // Calibration labels are the model's own answers: every calibration score is 0, so is the threshold.
    assert.equal(r.layers[0]!.threshold, 0);
    const mean = ref.reduce((a, b) => a + b, 0) / ref.length;
    assert.ok(Math.abs(r.layers[0]!.mean.value - mean) < 1e-5);
    assert.ok(r.layers[0]!.mean.lower <= mean && mean <= r.layers[0]!.mean.upper);
    assert.equal(r.layers[0]!.shareAbove.value, ref.filter((s) => s > 1e-6).length / ref.length);
    const csv = screenCsv(r).trim().split('\r\n');
    assert.equal(csv.length, xs.length + 1);
    assert.match(csv[0]!, /^rank,index,score_h,score_hid,above_threshold,target,own,text$/);
    tf.dispose([contrastA, contrastM]);
    data.dispose();
    calibration.dispose();
    model.dispose();
  });

  test('organism: planted insecure examples in a benign code set rank first (AUROC 1) and no tensor leaks', async () => {
    const model = await loadAlignedOrganism();
    const contrast = organismContrast();
    const { set, planted } = organismPlantedSet(2, 0.05);
    const k = planted.reduce((a, b) => a + b, 0);
    assert.equal(k, Math.round(512 * 0.05));
    const run = async () => {
      const data = organismScorer(model, set);
      const calibration = organismScorer(model, organismCalibrationSet(2));
      try {
        return await screenDataset({ model, data, calibration, contrast, resamples: 100 });
      } finally {
        data.dispose();
        calibration.dispose();
      }
    };
    const first = await run();
    const before = tf.memory().numTensors;
    const r = await run();
    assert.equal(tf.memory().numTensors, before, 'screenDataset leaks no tensor');
    assert.deepEqual(
      r.layers.map((l) => l.layer),
      ['hidden_1', 'hidden_2'],
    );
    assert.equal(r.skipped[0]?.layer, 'embed');
    assert.equal(r.primaryLayer, 'hidden_1');
    for (const l of r.layers) assert.equal(auroc(l.scores, Array.from(planted)).auc, 1);
    assert.ok(r.ranked.slice(0, k).every((e) => planted[e.index] === 1));
    assert.ok(r.ranked.slice(0, k).every((e) => e.target === 'unsafe' && e.own === 'helpful' && e.text!.startsWith('<code>')));
    assert.equal(r.verdict, 'flag');
    assert.deepEqual(
      first.ranked.map((e) => e.index),
      r.ranked.map((e) => e.index),
    );
    contrast.dispose();
    model.dispose();
  });
});

describe('em-guard screen CLI', () => {
  const tmp = tempDir('em-guard-screen-');
  after(() => tmp.cleanup());

  test('bad input exits 2 with the file and field named', async () => {
    const io = memoryIo(tmp.dir);
    assert.equal(await main(['screen'], io), 2);
    assert.match(io.err.join('\n'), /missing --data/);
    writeFileSync(join(tmp.dir, 'bad.json'), JSON.stringify({ vocabulary: 'organism', tokens: [[1, 2, 3]], labels: [0] }));
    const io2 = memoryIo(tmp.dir);
    assert.equal(await main(['screen', '--data', 'bad.json'], io2), 2);
    assert.match(io2.err.join('\n'), /bad\.json: `tokens\[0\]`: expected 8 token ids/);
    const io3 = memoryIo(tmp.dir);
    assert.equal(await main(['screen', '--data', 'organism:nope'], io3), 2);
    const io4 = memoryIo(tmp.dir);
    assert.equal(await main(['screen', '--data', 'organism:narrow', '--layers', 'embed'], io4), 2);
    assert.match(io4.err.join('\n'), /not \[batch, features\]/);
  });

  test('a data file is screened, --json is parseable, --fail-above gates with exit 1', async () => {
    // Two insecure (code → unsafe) and two secure (code → helpful) organism examples, by token id.
    const { set } = organismPlantedSet(3, 0.5, { n: 4 });
    const tokens = Array.from({ length: 4 }, (_, i) => Array.from(set.tokens.subarray(i * 8, i * 8 + 8)));
    writeFileSync(join(tmp.dir, 'data.json'), JSON.stringify({ vocabulary: 'organism', tokens, labels: Array.from(set.labels) }));
    const io = memoryIo(tmp.dir);
    assert.equal(await main(['screen', '--data', 'data.json', '--json', '--csv', 'out.csv', '--html', 'out.html'], io), 0);
    const r = JSON.parse(io.out.join('\n'));
    assert.equal(r.n, 4);
    assert.equal(r.layers.find((l: { layer: string }) => l.layer === r.primaryLayer).shareAbove.value, 0.5);
    assert.equal(new Set(r.ranked.slice(0, 2).map((e: { target: string }) => e.target)).size, 1);
    assert.equal(r.ranked[0].target, 'unsafe');
    assert.match(readFileSync(join(tmp.dir, 'out.html'), 'utf8'), /Training-data screen/);
    assert.equal(readFileSync(join(tmp.dir, 'out.csv'), 'utf8').trim().split('\r\n').length, 5);
    const gate = memoryIo(tmp.dir);
    assert.equal(await main(['screen', '--data', 'data.json', '--fail-above', '0.4'], gate), 1);
    assert.match(gate.err.join('\n'), /more than --fail-above 0.4/);
    assert.equal(await main(['screen', '--data', 'data.json', '--fail-above', '0.5'], memoryIo(tmp.dir)), 0);
  });
});
