import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { computeCoreMetrics, coreMetricsFor, needsTrainProbes, type CoreMetricName } from '../src/guard/computeCoreMetrics.js';
import { centeredPca, centeredPcaProjecting } from '../src/metrics/centeredPca.js';
import { listMetrics } from '../src/policy/registry.js';
import { fromRows, type Matrix } from '../src/metrics/matrix.js';
import { subtractMatrices } from '../src/metrics/subtractMatrices.js';
import { PER_PROMPT_COLUMNS, subspaceStatistics, subspaceStatisticsOfFinite } from '../src/metrics/subspaceStatistics.js';
import { randomProjectionFractions } from '../src/metrics/randomProjectionFractions.js';
import { max as summaryMax, mean as summaryMean, median as summaryMedian, min as summaryMin } from '../src/metrics/summaryStatistics.js';
import * as ss from 'simple-statistics';
import { seededRandom } from './helpers.js';

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
  for (const [key, value] of Object.entries(expected as Record<string, unknown>))
    deepClose((actual as Record<string, unknown> | null)?.[key], value, `${label}.${key}`);
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

for (const c of reference.cases) {
  for (const route of ['components', 'gram'] as const) {
    test(`subspaceStatistics with the prompt projection forced to the ${route} route matches NumPy (${c.name})`, () => {
      const stats = subspaceStatisticsOfFinite(inputs(c), c.choice, c.seed, route);
      for (const column of PER_PROMPT_COLUMNS) c.perPrompt[column]!.forEach((v, i) => close(stats.perPrompt[column][i], v, `${column}[${i}]`));
      deepClose(stats.summary, c.summary, 'summary');
    });
  }
}

test('prompt projection: the Gram route (cross products, no V_k) gives the components route numbers to 1e-12 on a random flat-spectrum case', () => {
  // n = 40 train rows, m = 30 eval rows, d = 96, a 95 % share of a flat spectrum: k ≈ 30 > n·m/(n + m),
  // so `auto` takes the Gram route too. The two routes differ only in summation order (rows·X_cᵀ·W'
  // against rows·(X_cᵀ·W')); measured worst difference ≈ 1e-15, asserted at 1e-12 relative (|x| ≥ 1) or absolute.
  const rand = seededRandom(16);
  const rows = (n: number, d: number): Matrix => ({ rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => rand() * 2 - 1 + 0.3) });
  const train = rows(40, 96);
  const evalRows = rows(30, 96);
  const gramRoute = centeredPcaProjecting(train, { varianceShare: 0.95 }, evalRows, 'gram');
  const viaComponents = centeredPcaProjecting(train, { varianceShare: 0.95 }, evalRows, 'components');
  const auto = centeredPcaProjecting(train, { varianceShare: 0.95 }, evalRows);
  assert.equal(gramRoute.route, 'gram');
  assert.equal(viaComponents.route, 'components');
  assert.equal(auto.route, 'gram', `k = ${auto.pca.k} > n·m/(n + m) ≈ 17: auto takes the Gram route`);
  assert.equal(gramRoute.pca.components, null, 'the Gram route forms no d×k components');
  assert.equal(gramRoute.pca.k, viaComponents.pca.k);
  assert.ok(gramRoute.pca.k > 17, `k = ${gramRoute.pca.k}`);
  const near = (a: ArrayLike<number>, b: ArrayLike<number>, label: string) => {
    assert.equal(a.length, b.length, label);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-12 * Math.max(1, Math.abs(b[i]!)), `${label}[${i}]: ${a[i]} vs ${b[i]}`);
  };
  near(gramRoute.projection.projected, viaComponents.projection.projected, 'rows·V_k');
  near(gramRoute.projection.muV, viaComponents.projection.muV, 'μᵀV_k');
  for (const key of ['norm2', 'dotMean', 'centredNorm2'] as const)
    assert.deepEqual(gramRoute.projection.sums[key], viaComponents.projection.sums[key], `${key}: the same kernel pass, bit for bit`);
  assert.equal(gramRoute.projection.sums.meanNorm2, viaComponents.projection.sums.meanNorm2);
  // The random control: Gaussian drawn into kernel memory (resident) against the d×k array (copy).
  const mean = gramRoute.pca.mean;
  near(
    randomProjectionFractions(evalRows, mean, gramRoute.pca.k, 3, undefined, 'resident') as number[],
    randomProjectionFractions(evalRows, mean, gramRoute.pca.k, 3, undefined, 'copy') as number[],
    'random control',
  );
  // And every statistic of the layer, both routes.
  const delta = (a: Matrix, b: Matrix) => subtractMatrices(a, b);
  const trainAfter = rows(40, 96);
  const evalAfter = rows(30, 96);
  const sets = { trainBefore: train, evalBefore: evalRows, evalAfter, trainDelta: delta(trainAfter, train), evalDelta: delta(evalAfter, evalRows) };
  const a = subspaceStatisticsOfFinite(sets, { varianceShare: 0.95 }, 5, 'gram');
  const b = subspaceStatisticsOfFinite(sets, { varianceShare: 0.95 }, 5, 'components');
  for (const column of PER_PROMPT_COLUMNS) near(a.perPrompt[column] as number[], b.perPrompt[column] as number[], column);
});

test('summaryStatistics: mean, median, min, max equal simple-statistics bit for bit (even and odd lengths, ties, wide ranges)', () => {
  const rand = seededRandom(7);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(rand() * 40);
    const xs = Array.from({ length: n }, () => (rand() < 0.1 ? 0.25 : (rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 6)));
    assert.equal(summaryMean(xs), ss.mean(xs), `mean ${trial}`);
    assert.equal(summaryMedian(xs), ss.median(xs), `median ${trial}`);
    assert.equal(summaryMin(xs), ss.min(xs), `min ${trial}`);
    assert.equal(summaryMax(xs), ss.max(xs), `max ${trial}`);
  }
  assert.throws(() => summaryMean([]), /at least one/);
});

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
  const flat = centeredPca(
    fromRows([
      [1, 1],
      [1, 1],
    ]),
    { rank: 1 },
  );
  assert.equal(flat.k, 0);
});

test('guard metrics subspace.explainedL2 / reconstructionCosine / mahalanobis / orthogonalNorm are the per-check means of the same values', () => {
  const c = reference.cases.find((x) => 'rank' in x.choice)!;
  const rank = (c.choice as { rank: number }).rank;
  const layer = 'dense_1';
  const at = (rows: number[][]) => new Map([[layer, fromRows(rows)]]);
  const baseline = new Map([
    ['train', at(c.trainBefore)],
    ['eval', at(c.evalBefore)],
  ]);
  const current = new Map([
    ['train', at(c.trainAfter)],
    ['eval', at(c.evalAfter)],
  ]);
  const wanted = new Set<CoreMetricName>(['subspace.explainedL2', 'subspace.reconstructionCosine', 'subspace.mahalanobis', 'subspace.orthogonalNorm']);
  const { perLayer } = computeCoreMetrics([layer], baseline, current, rank, 0, wanted);
  const meanOf = (xs: (number | null)[]) => {
    const d = xs.filter((x): x is number => x !== null);
    return d.reduce((a, b) => a + b, 0) / d.length;
  };
  close(perLayer[`subspace.explainedL2@${layer}`], meanOf(c.perPrompt.explainedL2Centered!), 'explainedL2');
  close(perLayer[`subspace.reconstructionCosine@${layer}`], meanOf(c.perPrompt.reconstructionCosine!), 'reconstructionCosine');
  close(perLayer[`subspace.mahalanobis@${layer}`], meanOf(c.perPrompt.mahalanobis!), 'mahalanobis');
  close(perLayer[`subspace.orthogonalNorm@${layer}`], meanOf(c.perPrompt.orthogonalNorm!), 'orthogonalNorm');
  assert.equal(needsTrainProbes(wanted), true);
  for (const m of wanted)
    assert.ok(
      listMetrics().some((info) => info.name === m),
      `${m} registered for policies`,
    );
  assert.deepEqual([...coreMetricsFor(['subspace.mahalanobis@dense_1'])].includes('subspace.mahalanobis'), true);
  // Zero train deltas: no PCA, a reason instead of NaN.
  const frozen = computeCoreMetrics(
    [layer],
    baseline,
    new Map([
      ['train', at(c.trainBefore)],
      ['eval', at(c.evalAfter)],
    ]),
    rank,
    0,
    wanted,
  );
  assert.equal(frozen.perLayer[`subspace.mahalanobis@${layer}`], null);
  assert.match(frozen.reasons[`subspace.mahalanobis@${layer}`] ?? '', /no variance/);
  assert.equal(frozen.perLayer[`subspace.orthogonalNorm@${layer}`], null);
});
