import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { beforeAfterTests } from '../src/analysis/beforeAfterTests.js';
import { kFoldIndices } from '../src/analysis/kFoldIndices.js';
import { ksTwoSample } from '../src/analysis/ksTwoSample.js';
import { lassoCvFit, lassoFit } from '../src/analysis/lassoFit.js';
import { nadeauBengio } from '../src/analysis/nadeauBengio.js';
import { seededRandom } from '../src/util/seededRandom.js';
import { wilcoxonSignedRank } from '../src/analysis/wilcoxonSignedRank.js';
import { withinTrainPredictor } from '../src/analysis/withinTrainPredictor.js';

// Reference: test/fixtures/seed_statistics_reference.py (scipy.stats ks_2samp / wilcoxon / linregress,
// sklearn Lasso / LassoCV at tol 1e-12). Tolerances stated per assertion.
const ref = JSON.parse(readFileSync(new URL('./fixtures/seed_statistics_reference.json', import.meta.url), 'utf8')) as {
  beforeAfter: {
    name: string;
    before: number[];
    after: number[];
    ks: { statistic: number; p: number };
    wilcoxon: { statistic: number; p: number; method: string };
    ols: { slope: number; intercept: number; r2: number };
  }[];
  ks: { a: number[]; b: number[]; statistic: number; p: number };
  lasso: {
    name: string;
    X: number[][];
    y: number[];
    fixed: Record<string, { coefficients: number[]; intercept: number; prediction0: number }>;
    cv: { alpha: number; alphas: number[]; mse: number[]; predictions: number[] };
  }[];
};

const near = (a: number, e: number, rel: number, abs: number, label: string) =>
  assert.ok(Math.abs(a - e) <= Math.max(abs, rel * Math.abs(e)), `${label}: ${a} vs ${e}`);

test('KS, Wilcoxon signed-rank and OLS of after on before match SciPy', () => {
  for (const c of ref.beforeAfter) {
    const r = beforeAfterTests(c.before, c.after);
    // KS: D is a ratio of integers (exact); p by path counting vs SciPy's (1e-10 relative or 1e-14 absolute).
    near(r.ks.statistic, c.ks.statistic, 0, 1e-15, `${c.name} KS D`);
    near(r.ks.p, c.ks.p, 1e-10, 1e-14, `${c.name} KS p`);
    assert.equal(r.wilcoxon.method, c.wilcoxon.method, `${c.name} Wilcoxon method`);
    near(r.wilcoxon.statistic, c.wilcoxon.statistic, 0, 1e-9, `${c.name} Wilcoxon T`);
    near(r.wilcoxon.p, c.wilcoxon.p, 1e-9, 1e-15, `${c.name} Wilcoxon p`);
    // OLS: two different float64 formulas (1e-10 relative).
    near(r.ols!.slope, c.ols.slope, 1e-10, 1e-12, `${c.name} slope`);
    near(r.ols!.intercept, c.ols.intercept, 1e-10, 1e-12, `${c.name} intercept`);
    near(r.ols!.r2, c.ols.r2, 1e-10, 1e-12, `${c.name} r2`);
  }
  const k = ksTwoSample(ref.ks.a, ref.ks.b);
  near(k.statistic, ref.ks.statistic, 0, 1e-15, 'KS with ties D');
  near(k.p, ref.ks.p, 1e-10, 1e-14, 'KS with ties p');
});

test('KS and Wilcoxon closed forms: identical samples, complete separation', () => {
  // Identical samples: D = 0, p = 1. Complete separation of n vs n: p = 2/C(2n, n) (every path leaves).
  assert.deepEqual(ksTwoSample([1, 2, 3], [1, 2, 3]), { statistic: 0, p: 1, n1: 3, n2: 3 });
  const sep = ksTwoSample([1, 2, 3, 4], [5, 6, 7, 8]);
  near(sep.p, 2 / 70, 1e-14, 0, 'separated 4 vs 4');
  // All 8 differences positive: W₋ = 0, exact p = 2/2⁸.
  const w = wilcoxonSignedRank([2, 3, 4, 5, 6, 7, 8, 9], [1, 1.5, 1.2, 1.1, 1.3, 1.4, 1.6, 1.7]);
  assert.equal(w.statistic, 0);
  near(w.p, 2 / 256, 1e-15, 0, 'all positive');
  assert.equal(wilcoxonSignedRank([1, 2], [1, 2]).p, 1);
  assert.throws(() => beforeAfterTests([1, 2, 3], [1, 2]), /same length|length/);
});

test('Lasso and LassoCV (standardised) match sklearn', () => {
  for (const c of ref.lasso) {
    for (const [alpha, want] of Object.entries(c.fixed)) {
      const m = lassoFit(c.X, c.y, Number(alpha), { standardize: true });
      // Both converge to the unique optimum at tol 1e-12: 1e-7 absolute on coefficients of size ~1.
      want.coefficients.forEach((w, j) => near(m.coefficients[j]!, w, 0, 1e-7, `${c.name} α=${alpha} w${j}`));
      near(m.intercept, want.intercept, 0, 1e-6, `${c.name} α=${alpha} intercept`);
      near(m.predict([c.X[0]!])[0]!, want.prediction0, 0, 1e-6, `${c.name} α=${alpha} prediction`);
    }
    const cv = lassoCvFit(c.X, c.y, { standardize: true });
    c.cv.alphas.forEach((a, i) => near(cv.alphas[i]!, a, 1e-12, 0, `${c.name} grid ${i}`));
    c.cv.mse.forEach((e, i) => near(cv.mse[i]!, e, 1e-6, 0, `${c.name} cv mse ${i}`));
    near(cv.lambda, c.cv.alpha, 1e-12, 0, `${c.name} chosen α`);
    const predicted = cv.predict(c.X);
    c.cv.predictions.forEach((p, i) => near(predicted[i]!, p, 0, 1e-6, `${c.name} prediction ${i}`));
  }
});

test('LassoCV path and refit in covariance form (p <= 2n; rank-deficient at p 25, n 16 per fold) and residual form (p > 2n) match cold-start Lasso fits', () => {
  // Reference: the pipeline's scaler on all rows, then per contiguous fold and α a cold-start lassoFit
  // (checked against sklearn above) at tol 1e-12; both converge to the unique optimum, so the fold-mean
  // MSEs agree to 1e-8 relative.
  const rand = seededRandom(3);
  for (const [n, p] of [
    [40, 9],
    [20, 25],
    [20, 50],
  ] as const) {
    const X = Array.from({ length: n }, () => Array.from({ length: p }, () => rand() * 2 - 1));
    const y = X.map((r) => 2 * r[0]! - r[1]! + 0.5 * rand());
    const cv = lassoCvFit(X, y, { standardize: true, alphas: 8, tol: 1e-12 });
    const mean = Array.from({ length: p }, (_, j) => X.reduce((s, r) => s + r[j]!, 0) / n);
    const sd = mean.map((m, j) => Math.sqrt(X.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / n));
    const Xs = X.map((r) => r.map((v, j) => (v - mean[j]!) / sd[j]!));
    const folds = kFoldIndices(n, 5);
    cv.alphas.forEach((alpha, a) => {
      let sum = 0;
      for (const test of folds) {
        const train = Xs.flatMap((_, i) => (test.includes(i) ? [] : [i]));
        const m = lassoFit(
          train.map((i) => Xs[i]!),
          train.map((i) => y[i]!),
          alpha,
          { tol: 1e-12 },
        );
        const predicted = m.predict(test.map((i) => Xs[i]!));
        sum += test.reduce((s, i, t) => s + (y[i]! - predicted[t]!) ** 2, 0) / test.length;
      }
      near(cv.mse[a]!, sum / folds.length, 1e-8, 0, `n ${n} p ${p} mse ${a}`);
    });
    // The refit on all rows is lassoFit's descent at the chosen α (same stopping point up to rounding).
    const refit = lassoFit(X, y, cv.lambda, { standardize: true, tol: 1e-12 });
    refit.coefficients.forEach((w, j) => near(cv.coefficients[j]!, w, 1e-9, 1e-12, `n ${n} p ${p} refit w${j}`));
  }
});

test('Nadeau–Bengio corrected resampled t-test matches its closed form (SciPy t quantile and sf)', () => {
  const nb = (
    ref as unknown as {
      nadeauBengio: { scores: number[]; folds: number; mean: number; correctedVariance: number; t: number; p: number; interval: [number, number] };
    }
  ).nadeauBengio;
  const r = nadeauBengio(nb.scores, 1 / nb.folds);
  near(r.mean, nb.mean, 1e-13, 0, 'mean');
  near(r.correctedVariance, nb.correctedVariance, 1e-12, 0, 'corrected variance');
  near(r.t!, nb.t, 1e-12, 0, 't');
  near(r.p!, nb.p, 1e-8, 1e-300, 'p');
  near(r.interval[0], nb.interval[0], 1e-9, 0, 'interval low');
  near(r.interval[1], nb.interval[1], 1e-9, 0, 'interval high');
});

test('within-train predictor: PC energies predict a target built from them; shuffled targets do not', () => {
  const rand = seededRandom(5);
  const n = 120;
  const d = 12;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  // Activations with a dominant direction (axis 0, sd 3) and the target its energy plus noise.
  const A = Array.from({ length: n }, () => Array.from({ length: d }, (_, j) => gauss() * (j === 0 ? 3 : 1)));
  const mean0 = A.reduce((s, r) => s + r[0]!, 0) / n;
  const y = A.map((r) => (r[0]! - mean0) ** 2 / 9 + 0.3 * gauss());
  const r = withinTrainPredictor(A, y, { components: 4, repeats: 1, folds: 5, alphas: 10, bootstrap: 200, permutations: 9 });
  assert.equal(r.features, 4);
  assert.ok(r.pc.lasso.meanR2 > 0.5, `PC Lasso R² ${r.pc.lasso.meanR2}`);
  assert.ok(r.pc.lasso.vsMean.p! < 0.01 && r.pc.lasso.vsMean.interval[0] > 0, 'beats the mean predictor');
  assert.ok(r.pc.lasso.bootstrapInterval[0] <= r.pc.lasso.meanR2 && r.pc.lasso.meanR2 <= r.pc.lasso.bootstrapInterval[1]);
  assert.equal(r.pc.lasso.permutationP, 1 / 10, 'no permutation reaches the observed R²');
  assert.ok(r.random.lasso.meanR2 < r.pc.lasso.meanR2, `random ${r.random.lasso.meanR2} < PC ${r.pc.lasso.meanR2}`);
  const shuffled = withinTrainPredictor(A, [...y].sort(() => 0).reverse(), { components: 4, repeats: 1, folds: 5, alphas: 10, bootstrap: 50, permutations: 0 });
  assert.ok(shuffled.pc.ols.meanR2 < 0.2, `reversed targets: ${shuffled.pc.ols.meanR2}`);
  assert.equal(shuffled.pc.ols.permutationP, null);
});
