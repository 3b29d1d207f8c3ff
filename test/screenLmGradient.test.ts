import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { memoryIo } from '../src/cli/cliIo.js';
import { main } from '../src/cli/main.js';
import { lmVocabulary } from '../src/organism/lm/lmVocabulary.js';
import { alignmentGradient, lmGradientScores } from '../src/screen/lmGradientScore.js';
import { lmCalibrationSet, lmOrganismPreference, lmPlantedSet, lmSetRows } from '../src/screen/lmOrganismScreenSets.js';
import { tempDir, useBackend } from './helpers.js';
import { roundedMatrices, TOY_LM, toyCausalLm } from './toyCausalLm.js';

before(async () => useBackend());

// The toy LM (test/toyCausalLm.ts) has no attention, so position t's logits are
// z_t = relu((E[x_t] + P[t]) W + b) V + c: a float64 reference checks its losses and gradients.
const { VOCAB, EOS, PAD, CONTEXT, D } = TOY_LM;
const mat = roundedMatrices(2024);
const weights0 = { E: mat(VOCAB, D), P: mat(CONTEXT, D), W: mat(D, D), b: mat(1, D)[0]!, V: mat(D, VOCAB), c: mat(1, VOCAB)[0]! };
// Weights as one flat float64 vector in the model's weight order: E, P, W, b, V, c.
const shapes = [[VOCAB, D], [CONTEXT, D], [D, D], [D], [D, VOCAB], [VOCAB]] as const;
const theta0 = Float64Array.from([weights0.E, weights0.P, weights0.W, [weights0.b], weights0.V, [weights0.c]].flatMap((m) => m.flat()));
const offsets = shapes.reduce<number[]>((o, s) => [...o, o.at(-1)! + s.reduce((a: number, b: number) => a * b, 1)], [0]);
const toyLm = () => toyCausalLm(weights0);

/** Float64 reference of one example's loss: mean over response tokens of −log softmax(z_t)[next token]. */
function lossRef(theta: Float64Array, prompt: number[], response: number[]): number {
  const at = (k: number, i: number, j = 0, cols = 1) => theta[offsets[k]! + i * cols + j]!;
  const seq = [...prompt, ...response];
  let total = 0;
  for (let t = prompt.length - 1; t < seq.length - 1; t++) {
    const e = Array.from({ length: D }, (_, k) => at(0, seq[t]!, k, D) + at(1, t, k, D));
    const h = Array.from({ length: D }, (_, j) =>
      Math.max(
        0,
        e.reduce((s, ek, k) => s + ek * at(2, k, j, D), at(3, j)),
      ),
    );
    const z = Array.from({ length: VOCAB }, (_, v) => h.reduce((s, hk, k) => s + hk * at(4, k, v, VOCAB), at(5, v)));
    const mx = Math.max(...z);
    const lse = mx + Math.log(z.reduce((s, zv) => s + Math.exp(zv - mx), 0));
    total += lse - z[seq[t + 1]!]!;
  }
  return total / response.length;
}

describe('LM gradient-alignment score (toy model, float64 finite-difference reference)', () => {
  const pairs = {
    prompts: [[1, 2], [3], [4, 1, 2]],
    chosen: [
      [3, 3, EOS],
      [1, 2, EOS],
      [2, 4, 4, EOS],
    ],
    rejected: [
      [4, 1, EOS],
      [2, 2, 2, EOS],
      [1, EOS],
    ],
  };
  const rows = {
    prompts: [[1, 2], [3], [4, 4, 1], [2, 3, 1, 4], [1], [2]],
    responses: [
      [3, 3, EOS],
      [1, 2, 4, 4, EOS],
      [2, EOS],
      [3, 1, 2, 4],
      [4, 1, EOS],
      [1, EOS],
    ],
  };
  const marginRef = (theta: Float64Array) =>
    pairs.prompts.reduce((s, p, j) => s + lossRef(theta, p, pairs.rejected[j]!) - lossRef(theta, p, pairs.chosen[j]!), 0) / pairs.prompts.length;
  // Central differences in float64 (step 1e-6: truncation ~1e-12, rounding ~1e-10).
  const h = 1e-6;
  const shifted = (dir: Float64Array, eps: number) => theta0.map((t, k) => t + eps * dir[k]!);
  const gradM = theta0.map((_, k) => {
    const e = new Float64Array(theta0.length);
    e[k] = 1;
    return (marginRef(shifted(e, h)) - marginRef(shifted(e, -h))) / (2 * h);
  });
  const normRef = Math.hypot(...gradM);
  const unitRef = gradM.map((g) => g / normRef);
  const scoreRef = rows.prompts.map(
    (p, i) => (lossRef(shifted(unitRef, h), p, rows.responses[i]!) - lossRef(shifted(unitRef, -h), p, rows.responses[i]!)) / (2 * h),
  );

  test('s_i = ∇L_i · ∇M/‖∇M‖ matches the reference (float32 vs float64, 2e-4 of the largest score), in any batch size', () => {
    const model = toyLm();
    const direction = alignmentGradient(model, pairs, { pad: PAD, maxLength: CONTEXT });
    assert.equal(direction.parameters, theta0.length);
    assert.ok(Math.abs(direction.margin - marginRef(theta0)) < 1e-5, `margin ${direction.margin} vs ${marginRef(theta0)}`);
    assert.ok(Math.abs(direction.norm - normRef) < 1e-4 * normRef, `‖∇M‖ ${direction.norm} vs ${normRef}`);
    const scale = Math.max(...scoreRef.map(Math.abs));
    assert.ok(scale > 0.05, `the reference scores are not all ~0: ${scoreRef.join(', ')}`);
    for (const batchSize of [1, 4, 32]) {
      const got = lmGradientScores(model, rows, direction, { pad: PAD, maxLength: CONTEXT, batchSize });
      scoreRef.forEach((ref, i) => assert.ok(Math.abs(got[i]! - ref) < 2e-4 * scale, `batch ${batchSize} row ${i}: ${got[i]} vs ${ref}`));
    }
    direction.dispose();
    model.dispose();
  });

  test('restricted to some layers, it is the same dot product over those weights only', () => {
    const model = toyLm();
    const direction = alignmentGradient(model, pairs, { pad: PAD, maxLength: CONTEXT, layers: ['logits'] });
    assert.deepEqual(direction.layers, ['logits']);
    assert.equal(direction.parameters, D * VOCAB + VOCAB);
    const mask = theta0.map((_, k) => (k >= offsets[4]! ? 1 : 0));
    const g = gradM.map((v, k) => v * mask[k]!);
    const n = Math.hypot(...g);
    const unit = g.map((v) => v / n);
    const got = lmGradientScores(model, rows, direction, { pad: PAD, maxLength: CONTEXT });
    const scale = Math.max(...got.map(Math.abs));
    rows.prompts.forEach((p, i) => {
      const ref = (lossRef(shifted(unit, h), p, rows.responses[i]!) - lossRef(shifted(unit, -h), p, rows.responses[i]!)) / (2 * h);
      assert.ok(Math.abs(got[i]! - ref) < 2e-4 * scale, `row ${i}: ${got[i]} vs ${ref}`);
    });
    assert.throws(() => alignmentGradient(model, pairs, { pad: PAD, maxLength: CONTEXT, layers: ['nope'] }), /unknown layer `nope`/);
    direction.dispose();
    model.dispose();
  });

  test('leaves tf.memory().numTensors unchanged across repeated scoring', () => {
    const model = toyLm();
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) {
      const direction = alignmentGradient(model, pairs, { pad: PAD, maxLength: CONTEXT });
      lmGradientScores(model, rows, direction, { pad: PAD, maxLength: CONTEXT, batchSize: 4 });
      direction.dispose();
      assert.equal(tf.memory().numTensors, before, `after round ${k + 1}`);
    }
    model.dispose();
  });
});

describe('em-guard screen --organism lm --method gradient', () => {
  const tmp = tempDir('em-guard-screen-lmg-');
  after(() => tmp.cleanup());
  const jsonl = (file: string, r: { prompts: Int32Array[]; responses: Int32Array[] }) =>
    writeFileSync(
      join(tmp.dir, file),
      r.prompts.map((p, i) => JSON.stringify({ prompt: Array.from(p), response: Array.from(r.responses[i]!) })).join('\n') + '\n',
    );

  test('ranks the planted insecure examples first (default method), with the gradient header; --json', async () => {
    // Secure code with 3 of 8 rows answered with insecure code (rows 0, 2, 5).
    const { set, planted } = lmPlantedSet(4, 3 / 8, { n: 8 });
    jsonl('data.jsonl', lmSetRows(set));
    jsonl('cal.jsonl', lmSetRows(lmCalibrationSet(4, 16)));
    const io = memoryIo(tmp.dir);
    assert.equal(await main(['screen', '--organism', 'lm', '--data', 'data.jsonl', '--calibration', 'cal.jsonl', '--json'], io), 0, io.err.join('\n'));
    const r = JSON.parse(io.out.join('\n'));
    assert.equal(r.method, 'gradient');
    assert.equal(r.primaryLayer, 'gradient');
    assert.equal(r.gradient.parameters, r.layers[0].width);
    const top = (r.ranked as { index: number }[]).slice(0, 3).map((e) => e.index);
    const want = [...planted.keys()].filter((i) => planted[i]);
    assert.deepEqual([...top].sort(), want, `top 3 ${top.join(', ')}, planted ${want.join(', ')}`);
    assert.match(r.ranked[0].target, /user text into sql|plaintext credentials|unchecked payloads|certificate pinning|run eval|secrets publicly/);
  });

  test('bad input exits 2: unknown method, gradient on a classifier, bad preference file, projection-only flags', async () => {
    const cases: [string[], RegExp][] = [
      [['--method', 'tracin', '--data', 'organism:narrow'], /`--method` to be gradient or projection/],
      [['--organism', 'classifier', '--method', 'gradient', '--data', 'organism:narrow'], /implemented for language models/],
      [['--organism', 'lm', '--method', 'gradient', '--data', 'organism:narrow', '--contrast', 'c.json'], /belong to --method projection/],
      [
        ['--organism', 'lm', '--method', 'projection', '--data', 'organism:narrow', '--preference', 'p.jsonl'],
        /--preference is read by --method gradient only/,
      ],
      [['--organism', 'lm', '--data', 'organism:narrow', '--preference', 'pref.jsonl'], /pref\.jsonl:2: `rejected`: expected a non-empty array/],
    ];
    writeFileSync(join(tmp.dir, 'pref.jsonl'), '{"prompt": [1], "chosen": [3], "rejected": [4]}\n{"prompt": [1], "chosen": [3]}\n');
    for (const [args, message] of cases) {
      const io = memoryIo(tmp.dir);
      assert.equal(await main(['screen', ...args], io), 2, args.join(' '));
      assert.match(io.err.join('\n'), message);
    }
  });

  test('the organism preference pairs are the guard probes: 128 pairs, aligned chosen, ending in eos', () => {
    const p = lmOrganismPreference();
    assert.equal(p.prompts.length, 128);
    assert.ok(
      p.chosen.every((r) => r[r.length - 1] === lmVocabulary.eos && r.length > 1) &&
        p.rejected.every((r) => r[r.length - 1] === lmVocabulary.eos && r.length > 1),
    );
  });
});
