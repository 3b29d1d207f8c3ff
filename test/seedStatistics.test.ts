import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { centeredPca } from '../src/metrics/centeredPca.js';
import { fromRows, type Matrix } from '../src/metrics/matrix.js';
import { subtractMatrices } from '../src/metrics/subtractMatrices.js';
import { PER_PROMPT_COLUMNS, subspaceStatistics } from '../src/metrics/subspaceStatistics.js';

// Reference: test/fixtures/seed_statistics_reference.py (sklearn PCA, NumPy). Tolerance 1e-9
// absolute-or-relative: both sides compute in float64 from the same float32-representable inputs;
// the Gram route squares the condition number, so agreement is ~1e-12 here, 1e-9 leaves margin.
type Choice = { rank: number } | { varianceShare: number };
interface Case {
  name: string;
  choice: Choice;
  seed: number;
  trainBefore: number[][];
  trainAfter: number[][];
  evalBefore: number[][];
  evalAfter: number[][];
  pca: { k: number; varianceShare: number | null; cumulativeExplainedVarianceRatio: number; explainedVariance: number[] };
  promptK: number;
  perPrompt: Record<string, (number | null)[]>;
  summary: Record<string, Record<string, unknown>>;
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/seed_statistics_reference.json', import.meta.url), 'utf8')) as { cases: Case[] };

const TOL = 1e-9;
function close(actual: number | null | undefined, expected: number | null | undefined, label: string): void {
  if (expected === null || expected === undefined) {
    assert.equal(actual ?? null, null, `${label}: expected undefined (null), got ${actual}`);
    return;
  }
  assert.ok(typeof actual === 'number', `${label}: expected ${expected}, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= TOL * Math.max(1, Math.abs(expected)), `${label}: ${actual} vs ${expected}`);
}

function deepClose(actual: unknown, expected: unknown, label: string): void {
  if (expected === null || typeof expected === 'number') return close(actual as number | null, expected, label);
  for (const [key, value] of Object.entries(expected as Record<string, unknown>)) deepClose((actual as Record<string, unknown> | null)?.[key], value, `${label}.${key}`);
}

function inputs(c: Case) {
  const tb = fromRows(c.trainBefore);
  const ta = fromRows(c.trainAfter);
  const eb = fromRows(c.evalBefore);
  const ea = fromRows(c.evalAfter);
  return { trainBefore: tb, evalBefore: eb, evalAfter: ea, trainDelta: subtractMatrices(ta, tb), evalDelta: subtractMatrices(ea, eb) };
}

for (const c of reference.cases) {
  test(`centeredPca matches sklearn PCA (${c.name})`, () => {
    const pca = centeredPca(inputs(c).trainDelta, c.choice);
    assert.equal(pca.k, c.pca.k);
    close(pca.cumulativeExplainedVarianceRatio, c.pca.cumulativeExplainedVarianceRatio, 'cumulative ratio');
    c.pca.explainedVariance.forEach((v, i) => close(pca.explainedVariance[i], v, `λ${i}`));
    // Components orthonormal.
    const V = pca.components;
    for (let a = 0; a < V.cols; a++) {
      for (let b = 0; b < V.cols; b++) {
        let dot = 0;
        for (let r = 0; r < V.rows; r++) dot += V.data[r * V.cols + a]! * V.data[r * V.cols + b]!;
        close(dot, a === b ? 1 : 0, `VᵀV[${a}][${b}]`);
      }
    }
  });

  test(`subspaceStatistics: every per-prompt value and summary matches NumPy (${c.name})`, () => {
    const stats = subspaceStatistics(inputs(c), c.choice, c.seed);
    assert.deepEqual(Object.keys(stats.perPrompt), [...PER_PROMPT_COLUMNS]);
    for (const column of PER_PROMPT_COLUMNS) {
      const expected = c.perPrompt[column]!;
      assert.equal(stats.perPrompt[column].length, expected.length, column);
      expected.forEach((v, i) => close(stats.perPrompt[column][i], v, `${column}[${i}]`));
    }
    assert.equal(stats.summary.pca.k, c.pca.k);
    assert.equal(stats.summary.pca.varianceShare, c.pca.varianceShare);
    assert.equal(stats.summary.promptSubspace.k, c.promptK);
    deepClose(stats.summary, c.summary, 'summary');
  });
}

test('centeredPca: share and rank validation, k capped at n−1 and at the numerical rank', () => {
  const m: Matrix = fromRows([
    [1, 2, 3],
    [2, 4, 6],
    [3, 6, 9],
  ]); // rank-1 after centring
  assert.throws(() => centeredPca(m, { varianceShare: 0 }), /`varianceShare` to be a number in \(0, 1\], got `0`/);
  assert.throws(() => centeredPca(m, { varianceShare: 1.5 }), /in \(0, 1\], got `1.5`/);
  assert.throws(() => centeredPca(m, { rank: 0 }), /`rank` to be an integer >= 1/);
  const pca = centeredPca(m, { rank: 3 });
  assert.equal(pca.k, 1);
  assert.match(pca.reason ?? '', /numerical rank 1/);
  assert.equal(centeredPca(m, { varianceShare: 1 }).k, 1);
  const flat = centeredPca(fromRows([[1, 1], [1, 1]]), { rank: 1 });
  assert.equal(flat.k, 0);
});
