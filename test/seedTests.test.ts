import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { beforeAfterTests } from '../src/analysis/beforeAfterTests.js';
import { ksTwoSample } from '../src/analysis/ksTwoSample.js';
import { lassoCvFit, lassoFit } from '../src/analysis/lassoFit.js';
import { wilcoxonSignedRank } from '../src/analysis/wilcoxonSignedRank.js';

// Reference: test/fixtures/seed_statistics_reference.py (scipy.stats ks_2samp / wilcoxon / linregress,
// sklearn Lasso / LassoCV at tol 1e-12). Tolerances stated per assertion.
const ref = JSON.parse(readFileSync(new URL('./fixtures/seed_statistics_reference.json', import.meta.url), 'utf8')) as {
  beforeAfter: { name: string; before: number[]; after: number[]; ks: { statistic: number; p: number }; wilcoxon: { statistic: number; p: number; method: string }; ols: { slope: number; intercept: number; r2: number } }[];
  ks: { a: number[]; b: number[]; statistic: number; p: number };
  lasso: { name: string; X: number[][]; y: number[]; fixed: Record<string, { coefficients: number[]; intercept: number; prediction0: number }>; cv: { alpha: number; alphas: number[]; mse: number[]; predictions: number[] } }[];
};

const near = (a: number, e: number, rel: number, abs: number, label: string) => assert.ok(Math.abs(a - e) <= Math.max(abs, rel * Math.abs(e)), `${label}: ${a} vs ${e}`);

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
