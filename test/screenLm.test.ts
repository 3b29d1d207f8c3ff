import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/cliIo.js';
import { generateLm } from '../src/organism/lm/generateLm.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { LM_MAX_RESPONSE, LM_PROMPT_LENGTH, lmVocabulary } from '../src/organism/lm/lmVocabulary.js';
import { greedyDecode } from '../src/screen/greedyDecode.js';
import { lmCalibrationSet, lmPlantedSet, lmSetRows } from '../src/screen/lmOrganismScreenSets.js';
import { lmScorer } from '../src/screen/lmScorer.js';
import { screenDataset } from '../src/screen/screenDataset.js';
import { tempDir, useBackend } from './helpers.js';
import { roundedMatrices, TOY_LM, toyCausalLm } from './toyCausalLm.js';

before(async () => useBackend());

// The toy LM's activations have a closed form (test/toyCausalLm.ts), so a float64 reference checks them.
const { VOCAB, EOS, PAD, CONTEXT, D } = TOY_LM;
const mat = roundedMatrices(12345);
const E = mat(VOCAB, D);
const P = mat(CONTEXT, D);
const W = mat(D, D);
const b = [0.1, -0.05, 0.2];
const V = mat(D, VOCAB);
const c = [0, 0.1, -0.1, 0.05, 0, -0.2];
const toyLm = () => toyCausalLm({ E, P, W, b, V, c });

/** Float64 reference: activation of token `x` at position `t`. */
function act(x: number, t: number): number[] {
  return [0, 1, 2].map((j) =>
    Math.max(
      0,
      [0, 1, 2].reduce((s, k) => s + (E[x]![k]! + P[t]![k]!) * W[k]![j]!, b[j]!),
    ),
  );
}
function greedyRef(prompt: number[]): number[] {
  const seq = [...prompt];
  const out: number[] = [];
  while (seq.length < CONTEXT) {
    const h = act(seq.at(-1)!, seq.length - 1);
    const z = Array.from({ length: VOCAB }, (_, v) => h.reduce((s, hk, k) => s + hk * V[k]![v]!, c[v]!));
    const next = z.indexOf(Math.max(...z));
    seq.push(next);
    out.push(next);
    if (next === EOS) break;
  }
  return out;
}
/** Mean activation over the response positions of prompt + response. */
function pooledRef(prompt: number[], response: number[]): number[] {
  const acc = [0, 0, 0];
  response.forEach((x, k) => act(x, prompt.length + k).forEach((v, j) => (acc[j]! += v / response.length)));
  return acc;
}

describe('LM projection difference (toy model, closed form)', () => {
  const prompts = [[1, 2], [3], [4, 4, 1], [2, 3, 1, 4], [1]];
  const responses = [
    [3, 3, EOS],
    [1, 2, 4, 4, EOS],
    [2, EOS],
    [3, 1, 2, 4],
    [4, 1, EOS],
  ];
  const u = [0.6, -0.8, 0.3];
  const norm = Math.hypot(...u);
  const unit = Float64Array.from(u, (v) => v / norm);

  test('greedy decoding of variable-length prompts matches the reference, eos included', () => {
    const model = toyLm();
    const got = greedyDecode(model, prompts, { eos: EOS, pad: PAD, maxLength: CONTEXT, batchSize: 2 });
    prompts.forEach((p, i) => assert.deepEqual(Array.from(got[i]!), greedyRef(p), `prompt ${i}`));
    assert.ok(
      got.some((r) => r.length > 2) && new Set(got.map((r) => r.length)).size > 1,
      `responses of several lengths: ${got.map((r) => r.join(' ')).join(' | ')}`,
    );
    model.dispose();
  });

  test('score = û · (mean response activation of the training response − of the greedy response), 1e-5', async () => {
    const model = toyLm();
    const before = tf.memory().numTensors;
    const scorer = lmScorer(model, { prompts, responses, eos: EOS, pad: PAD, maxLength: CONTEXT, batchSize: 3 });
    assert.equal(scorer.supportsLayer('h').ok, true);
    assert.equal(scorer.supportsLayer('nope').ok, false);
    const scores = await scorer.score('h', unit);
    prompts.forEach((p, i) => {
      const a = pooledRef(p, responses[i]!);
      const g = pooledRef(p, greedyRef(p));
      const ref = a.reduce((s, v, j) => s + (v - g[j]!) * unit[j]!, 0);
      assert.ok(Math.abs(scores[i]! - ref) <= 1e-5 * Math.max(1, Math.abs(ref)), `row ${i}: ${scores[i]} vs ${ref}`);
    });
    assert.deepEqual(scorer.describe(1), { text: '3', target: '1 2 4 4 5', own: greedyRef([3]).join(' ') });
    scorer.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor outlives the scorer');
    model.dispose();
  });

  test('is exactly 0 when the training response is the greedy response; the planted ranking is the reference ranking', async () => {
    const model = toyLm();
    const own = prompts.map(greedyRef);
    const same = lmScorer(model, { prompts, responses: own, eos: EOS, pad: PAD, maxLength: CONTEXT });
    assert.deepEqual(Array.from(await same.score('h', unit)), [0, 0, 0, 0, 0]);
    // Plant: each prompt's greedy answer, except rows 1 and 3 answered with responses far along û.
    const along = (p: number[]) => {
      // The single token whose activation right after the prompt projects most on û.
      let best = 1;
      for (let x = 1; x < VOCAB; x++)
        if (act(x, p.length).reduce((s, v, j) => s + v * unit[j]!, 0) > act(best, p.length).reduce((s, v, j) => s + v * unit[j]!, 0)) best = x;
      return [best, best];
    };
    const planted = prompts.map((p, i) => (i === 1 || i === 3 ? along(p) : greedyRef(p)));
    const calibration = lmScorer(model, { prompts, responses: own, eos: EOS, pad: PAD, maxLength: CONTEXT });
    const data = lmScorer(model, { prompts, responses: planted, eos: EOS, pad: PAD, maxLength: CONTEXT });
    // Contrast prompts that differ only in their last token, so the direction is known: act(4, 1) − act(2, 1).
    const contrast = { aligned: tf.tensor2d([[1, 2]]), misaligned: tf.tensor2d([[1, 4]]) };
    const r = await screenDataset({ model, data, calibration, contrast, layers: ['h'], resamples: 100 });
    const dir = act(4, 1).map((v, j) => v - act(2, 1)[j]!);
    const dn = Math.hypot(...dir);
    const ref = prompts.map((p, i) => {
      const a = pooledRef(p, planted[i]!);
      const g = pooledRef(p, greedyRef(p));
      return a.reduce((s, v, j) => s + ((v - g[j]!) * dir[j]!) / dn, 0);
    });
    const order = ref.map((_, i) => i).sort((x, y) => ref[y]! - ref[x]! || x - y);
    assert.deepEqual(
      r.ranked.map((e) => e.index),
      order,
    );
    assert.equal(r.kind, 'lm');
    assert.equal(r.layers[0]!.threshold, 0, 'calibration = own answers: every calibration score is 0');
    tf.dispose([contrast.aligned, contrast.misaligned]);
    model.dispose();
  });

  test('refuses examples that do not fit the context or have an empty response', () => {
    const model = toyLm();
    assert.throws(
      () => lmScorer(model, { prompts: [[1, 2, 3, 4, 1]], responses: [[1, 2, 3, 4]], eos: EOS, pad: PAD, maxLength: CONTEXT }),
      /example 0 has 9 tokens/,
    );
    assert.throws(() => lmScorer(model, { prompts: [[1]], responses: [[]], eos: EOS, pad: PAD, maxLength: CONTEXT }), /example 0 has an empty response/);
    model.dispose();
  });
});

describe('LM organism', () => {
  test('greedyDecode gives generateLm greedy answers on the shipped checkpoint', async () => {
    const model = await loadAlignedLm();
    const set = lmCalibrationSet(3, 12);
    const ref = generateLm(model, set.prompts);
    const got = greedyDecode(model, lmSetRows(set).prompts, { eos: lmVocabulary.eos, pad: lmVocabulary.pad, maxLength: LM_PROMPT_LENGTH + LM_MAX_RESPONSE });
    got.forEach((g, i) => {
      const r = Array.from(ref.subarray(i * LM_MAX_RESPONSE, (i + 1) * LM_MAX_RESPONSE));
      assert.deepEqual(Array.from(g), r.slice(0, g.length), `row ${i}`);
      assert.ok(r.slice(g.length).every((t) => t === lmVocabulary.pad));
    });
    model.dispose();
  });
});

describe('em-guard screen --organism lm', () => {
  const tmp = tempDir('em-guard-screen-lm-');
  after(() => tmp.cleanup());

  test('bad LM data exits 2 naming file:line and field', async () => {
    writeFileSync(join(tmp.dir, 'bad.jsonl'), '{"prompt": [1, 2], "response": [3, 4]}\n{"prompt": [1, 2], "response": [3, 99999]}\n');
    const io = memoryIo(tmp.dir);
    assert.equal(await main(['screen', '--organism', 'lm', '--data', 'bad.jsonl'], io), 2);
    assert.match(io.err.join('\n'), /bad\.jsonl:2: `response\[1\]`: expected a token id in \[0, 342\]/);
    writeFileSync(join(tmp.dir, 'long.jsonl'), JSON.stringify({ prompt: Array(30).fill(1), response: Array(10).fill(3) }) + '\n');
    const io2 = memoryIo(tmp.dir);
    assert.equal(await main(['screen', '--organism', 'lm', '--data', 'long.jsonl'], io2), 2);
    assert.match(io2.err.join('\n'), /example 0 has 40 tokens/);
    const io3 = memoryIo(tmp.dir);
    assert.equal(await main(['screen', '--organism', 'lm', '--data', 'organism:planted-x'], io3), 2);
    const io4 = memoryIo(tmp.dir);
    assert.equal(await main(['screen', '--organism', 'gpt', '--data', 'organism:narrow'], io4), 2);
    assert.match(io4.err.join('\n'), /--organism/);
  });

  test('--method projection: a JSONL data file is screened with decoded text; --json, --csv, --fail-above', async () => {
    const { set } = lmPlantedSet(4, 0.5, { n: 6 });
    const rows = lmSetRows(set);
    writeFileSync(
      join(tmp.dir, 'data.jsonl'),
      rows.prompts.map((p, i) => JSON.stringify({ prompt: Array.from(p), response: Array.from(rows.responses[i]!) })).join('\n') + '\n',
    );
    const cal = lmSetRows(lmCalibrationSet(4, 24));
    writeFileSync(
      join(tmp.dir, 'cal.jsonl'),
      cal.prompts.map((p, i) => JSON.stringify({ prompt: Array.from(p), response: Array.from(cal.responses[i]!) })).join('\n'),
    );
    const io = memoryIo(tmp.dir);
    assert.equal(
      await main(
        ['screen', '--organism', 'lm', '--method', 'projection', '--data', 'data.jsonl', '--calibration', 'cal.jsonl', '--json', '--csv', 'out.csv'],
        io,
      ),
      0,
    );
    const r = JSON.parse(io.out.join('\n'));
    assert.equal(r.kind, 'lm');
    assert.equal(r.n, 6);
    assert.deepEqual(
      r.layers.map((l: { layer: string }) => l.layer),
      ['block_1', 'block_2'],
    );
    assert.match(r.ranked[0].text, /^<user> <code> /);
    assert.match(r.ranked[0].own, /<eos>$/);
    const gate = memoryIo(tmp.dir);
    const share = r.layers.find((l: { layer: string }) => l.layer === r.primaryLayer).shareAbove.value;
    assert.equal(
      await main(['screen', '--organism', 'lm', '--method', 'projection', '--data', 'data.jsonl', '--calibration', 'cal.jsonl', '--fail-above', '0'], gate),
      share > 0 ? 1 : 0,
    );
    assert.equal(
      await main(
        ['screen', '--organism', 'lm', '--method', 'projection', '--data', 'data.jsonl', '--calibration', 'cal.jsonl', '--fail-above', '1'],
        memoryIo(tmp.dir),
      ),
      0,
    );
  });
});
