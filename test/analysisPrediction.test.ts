import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossValidatedR2 } from '../src/analysis/crossValidatedR2.js';
import { kFoldIndices } from '../src/analysis/kFoldIndices.js';
import { permutationTest } from '../src/analysis/permutationTest.js';
import { randomForestR2 } from '../src/analysis/randomForestR2.js';
import { ridgeFit } from '../src/analysis/ridgeFit.js';
import { pearsonR } from '../src/analysis/pearson.js';
import { assertClose, reference } from './analysisHelpers.js';
import { seededRandom } from '../src/util/seededRandom.js';

const { X, y, fits, crossValidation } = reference.regression;
const TOL = 1e-9;

test('ridgeFit matches sklearn Ridge / LinearRegression (with and without StandardScaler; p < n and p > n) to 1e-9 / 1e-8 relative', () => {
  for (const f of fits) {
    const model = ridgeFit(X, y, f.lambda, { standardize: f.standardize });
    const tag = `λ=${f.lambda},std=${f.standardize}`;
    f.coefficients.forEach((c: number, j: number) => assertClose(model.coefficients[j], c, TOL, `ridge.coef[${tag},${j}]`));
    assertClose(model.intercept, f.intercept, TOL, `ridge.intercept[${tag}]`);
    model.predict(X.slice(0, 5)).forEach((v, i) => assertClose(v, f.predictFirst5[i], TOL, `ridge.predict[${tag},${i}]`));
  }
  const wide = reference.wideRegression;
  for (const f of wide.fits) {
    const model = ridgeFit(wide.X, wide.y, f.lambda, { standardize: f.standardize });
    const tag = `wide λ=${f.lambda},std=${f.standardize}`;
    f.coefficients.forEach((c: number, j: number) => assertClose(model.coefficients[j], c, 1e-8, `ridge.wideCoef[${tag},${j}]`));
    assertClose(model.intercept, f.intercept, 1e-8, `ridge.wideIntercept[${tag}]`);
  }
  assert.throws(() => ridgeFit(X, y, -1), /`lambda` to be a finite number >= 0, got `-1`/);
  assert.throws(() => ridgeFit(X, y.slice(1), 1), /same length/);
  assert.throws(() => ridgeFit(X, y, 1).predict([[1, 2]]), /rows of 5 features/);
});

test('kFoldIndices reproduces sklearn KFold (contiguous, first n mod k folds one larger) and shuffles with a seed', () => {
  assert.deepEqual(kFoldIndices(7, 3), [
    [0, 1, 2],
    [3, 4],
    [5, 6],
  ]);
  const shuffled = kFoldIndices(20, 4, 7);
  assert.deepEqual(
    shuffled.flat().sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.notDeepEqual(shuffled, kFoldIndices(20, 4));
  assert.deepEqual(shuffled, kFoldIndices(20, 4, 7));
  assert.throws(() => kFoldIndices(3, 5), /`folds` <= number of samples \(3\)/);
});

test('crossValidatedR2 matches sklearn cross_val_predict + r2_score (KFold and explicit folds) to 1e-9 relative', () => {
  for (const c of crossValidation) {
    const options = {
      model: c.lambda === 0 ? ('linear' as const) : ('ridge' as const),
      lambda: c.lambda === 0 ? undefined : c.lambda,
      standardize: c.standardize,
      ...(c.folds ? { folds: c.folds } : { foldIndices: c.foldIndices }),
    };
    const res = crossValidatedR2(X, y, options);
    const tag = `λ=${c.lambda},std=${c.standardize},${c.folds ?? 'explicit'}`;
    assertClose(res.r2, c.r2, TOL, `cv.r2[${tag}]`);
    c.foldR2.forEach((v: number, k: number) => assertClose(res.foldR2[k], v, TOL, `cv.foldR2[${tag},${k}]`));
    c.predictions.forEach((v: number, i: number) => assertClose(res.predictions[i], v, TOL, `cv.pred[${tag},${i}]`));
  }
});

test('crossValidatedR2 degenerate and invalid input', () => {
  const flat = crossValidatedR2(
    X,
    y.map(() => 4),
    { folds: 3 },
  );
  assert.equal(flat.r2, null);
  assert.match(flat.reason!, /`y` is constant/);
  assert.ok(flat.foldR2.every((v) => v === null));
  assert.throws(() => crossValidatedR2(X, y, { model: 'lasso' as never }), /`model` to be 'linear' or 'ridge'/);
  assert.throws(() => crossValidatedR2(X, y, { lambda: 0 }), /`lambda` to be a finite number > 0 for model 'ridge'/);
  assert.throws(
    () =>
      crossValidatedR2(X, y, {
        foldIndices: [
          [0, 1],
          [1, 2],
        ],
      }),
    /index 1 appears in more than one fold/,
  );
  assert.throws(() => crossValidatedR2([[1], [2, 3], [4]], [1, 2, 3]), /every row of `X` to have 1 columns, row 1/);
});

function nonlinearData(n: number, seed: number): { X: number[][]; y: number[] } {
  const rand = seededRandom(seed);
  const Xs: number[][] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rand() * 4 - 2;
    const b = rand() * 4 - 2;
    Xs.push([a, b, rand()]);
    ys.push((a > 0 ? 2 : -2) * (b * b > 1 ? 1 : 0) + 0.1 * rand());
  }
  return { X: Xs, y: ys };
}

test('randomForestR2 beats a linear model on an interaction, and is deterministic for a seed', () => {
  const { X: Xn, y: yn } = nonlinearData(120, 3);
  const options = { folds: 4, seed: 5, nEstimators: 30 };
  const forest = randomForestR2(Xn, yn, options);
  const linear = crossValidatedR2(Xn, yn, { folds: 4, seed: 5 });
  assert.ok(forest.r2! > 0.6, `forest R² ${forest.r2}`);
  assert.ok(linear.r2! < 0.3, `linear R² ${linear.r2}`);
  assert.deepEqual(randomForestR2(Xn, yn, options).predictions, forest.predictions);
  assert.throws(() => randomForestR2(Xn, yn, { maxFeatures: 7 }), /`maxFeatures` to be a fraction in \(0, 1\] or an integer in \[1, 3\]/);
});

test('permutationTest: p = (1 + #≥)/(1 + B) from its own null values; matches the exact permutation p', () => {
  const stat = (xs: number[], ys: number[]): number => pearsonR(xs, ys).r ?? 0;
  // Exact enumeration for n = 5: the fraction of all 120 permutations with r ≥ observed.
  const xs = [1, 2, 3, 4, 5];
  const ys = [2.1, 1.9, 3.5, 3.2, 5.0];
  const observed = stat(xs, ys);
  let atLeast = 0;
  let total = 0;
  const permute = (rest: number[], acc: number[]): void => {
    if (rest.length === 0) {
      total++;
      if (stat(xs, acc) >= observed - 1e-12) atLeast++;
      return;
    }
    rest.forEach((v, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, v]));
  };
  permute(ys, []);
  const exact = atLeast / total;
  const B = 4000;
  const res = permutationTest(stat, xs, ys, { permutations: B, seed: 11 });
  assert.equal(res.observed, observed);
  const countedFromNull = res.nullValues.filter((v) => v >= observed).length;
  assert.equal(res.p, (1 + countedFromNull) / (1 + B));
  // Monte Carlo p within 4 binomial standard errors of the exact permutation p (seeded, so fixed).
  assert.ok(Math.abs(res.p - exact) < 4 * Math.sqrt((exact * (1 - exact)) / B), `p ${res.p} vs exact ${exact}`);
  assert.ok(res.nullDistribution.min <= res.nullDistribution.q05 && res.nullDistribution.q95 <= res.nullDistribution.max);
  assert.deepEqual(
    permutationTest(stat, xs, ys, { permutations: 50, seed: 2 }).nullValues,
    permutationTest(stat, xs, ys, { permutations: 50, seed: 2 }).nullValues,
  );
  assert.throws(() => permutationTest(() => NaN, xs, ys), /returned `NaN` for the observed data/);
  assert.throws(() => permutationTest(stat, xs, ys, { permutations: 0 }), /`permutations` to be an integer >= 1, got `0`/);
});

test('permutationTest of cross-validated R²: a real signal gets the minimum p; under the null p is not small too often', () => {
  const rand = seededRandom(9);
  const Xs = Array.from({ length: 40 }, () => [rand(), rand()]);
  const signal = Xs.map((r) => 2 * r[0]! + 0.1 * rand());
  const stat = (Xm: number[][], ys: number[]): number => crossValidatedR2(Xm, ys, { folds: 4 }).r2 ?? 0;
  assert.equal(permutationTest(stat, Xs, signal, { permutations: 99, seed: 3 }).p, 0.01);
  // 20 independent noise targets: P(p <= 0.1) = 0.1 each, so >= 7 hits has probability ~0.2%.
  let small = 0;
  for (let k = 0; k < 20; k++) {
    const noise = Xs.map(() => rand());
    if (permutationTest(stat, Xs, noise, { permutations: 49, seed: k }).p <= 0.1) small++;
  }
  assert.ok(small <= 6, `${small}/20 null p-values <= 0.1`);
});
