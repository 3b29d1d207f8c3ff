import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averageRanks } from '../src/analysis/averageRanks.js';
import { pearson } from '../src/analysis/pearson.js';
import { spearman } from '../src/analysis/spearman.js';
import { welchTTest } from '../src/analysis/welchTTest.js';
import { assertClose, reference } from './analysisHelpers.js';

const TOL = 1e-9; // relative; the requirement is 1e-6

test('pearson matches scipy.stats.pearsonr (r, p, Fisher-z CI) to 1e-9 relative', () => {
  for (const [k, c] of reference.correlation.entries()) {
    const res = pearson(c.x, c.y, { confidence: c.confidence });
    assertClose(res.r, c.pearson.r, TOL, `pearson.r[${k}]`);
    assertClose(res.p, c.pearson.p, TOL, `pearson.p[${k}]`);
    assertClose(res.ci?.[0], c.pearson.ci[0], TOL, `pearson.ci[${k}]`);
    assertClose(res.ci?.[1], c.pearson.ci[1], TOL, `pearson.ci[${k}]`);
    assert.equal(res.n, c.x.length);
    assert.equal(res.reason, undefined);
  }
});

test('spearman matches scipy.stats.spearmanr (ρ, p) and the Bonett–Wright Fisher-z CI to 1e-9 relative', () => {
  for (const [k, c] of reference.correlation.entries()) {
    const res = spearman(c.x, c.y, { confidence: c.confidence });
    assertClose(res.r, c.spearman.r, TOL, `spearman.r[${k}]`);
    assertClose(res.p, c.spearman.p, TOL, `spearman.p[${k}]`);
    assertClose(res.ci?.[0], c.spearman.ci[0], TOL, `spearman.ci[${k}]`);
    assertClose(res.ci?.[1], c.spearman.ci[1], TOL, `spearman.ci[${k}]`);
  }
});

test('correlation closed forms: perfect (monotone) relations, published textbook example', () => {
  const x = [1, 2, 3, 4, 5, 6];
  const perfect = pearson(
    x,
    x.map((v) => 3 - 2 * v),
  );
  assert.equal(perfect.r, -1);
  assert.equal(perfect.p, 0);
  assert.deepEqual(perfect.ci, [-1, -1]);
  assert.equal(
    spearman(
      x,
      x.map((v) => Math.exp(v)),
    ).r,
    1,
  );
  // Anscombe's quartet, set I: r = 0.81642051634484 (Anscombe 1973; every set shares it).
  const ax = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
  const ay = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];
  assertClose(pearson(ax, ay).r, 0.81642051634484, 1e-12, 'anscombe');
  assert.deepEqual(averageRanks([10, 20, 10, 30, 20, 10]), [2, 4.5, 2, 6, 4.5, 2]);
});

test('correlation degenerate and invalid inputs: null with a reason, clear errors', () => {
  const constant = pearson([1, 2, 3, 4], [5, 5, 5, 5]);
  assert.equal(constant.r, null);
  assert.equal(constant.p, null);
  assert.equal(constant.ci, null);
  assert.match(constant.reason!, /`y` is constant/);
  assert.match(spearman([2, 2, 2], [1, 2, 3]).reason!, /`x` is constant/);
  const three = pearson([1, 2, 3], [1, 3, 2]);
  assert.equal(three.ci, null);
  assert.equal(typeof three.p, 'number');
  assert.match(three.reason!, /n >= 4/);
  assert.throws(() => pearson([1, 2, 3], [1, 2]), /same length.*got 3 and 2/);
  assert.throws(() => pearson([1, 2], [1, 2]), /at least 3 pairs, got 2/);
  assert.throws(() => pearson([1, NaN, 3], [1, 2, 3]), /`x\[1\]` to be a finite number, got `NaN`/);
  assert.throws(() => spearman([1, 2, 3, 4], [1, 2, 3, 4], { confidence: 95 }), /`confidence` to be a number in \(0, 1\), got `95`/);
});

test('welchTTest matches scipy ttest_ind(equal_var=False) and Welch–Satterthwaite formulas to 1e-9 relative', () => {
  for (const [k, c] of reference.welch.entries()) {
    const res = welchTTest(c.a, c.b, { confidence: c.confidence });
    assertClose(res.t, c.t, TOL, `welch.t[${k}]`);
    assertClose(res.p, c.p, TOL, `welch.p[${k}]`);
    assertClose(res.df, c.df, TOL, `welch.df[${k}]`);
    assertClose(res.meanDiff, c.meanDiff, TOL, `welch.meanDiff[${k}]`);
    assertClose(res.ci?.[0], c.ci[0], TOL, `welch.ci[${k}]`);
    assertClose(res.ci?.[1], c.ci[1], TOL, `welch.ci[${k}]`);
    assertClose(res.cohenD, c.cohenD, TOL, `welch.cohenD[${k}]`);
    assertClose(res.hedgesG, c.hedgesG, TOL, `welch.hedgesG[${k}]`);
  }
});

test('welchTTest closed form and degenerate cases', () => {
  // Equal n and variances: df = 2(n − 1), t = diff / √(2s²/n). a = [1,2,3], b = [4,5,6]: s² = 1, t = −3/√(2/3).
  const res = welchTTest([1, 2, 3], [4, 5, 6]);
  assertClose(res.t, -3 / Math.sqrt(2 / 3), 1e-14, 't');
  assertClose(res.df, 4, 1e-14, 'df');
  assertClose(res.cohenD, -3, 1e-14, 'd');
  const constant = welchTTest([2, 2, 2], [2, 2]);
  assert.equal(constant.t, null);
  assert.equal(constant.cohenD, null);
  assert.equal(constant.meanDiff, 0);
  assert.match(constant.reason!, /both samples are constant/);
  assert.throws(() => welchTTest([1], [1, 2]), /`a` to have at least 2 values, got 1/);
  assert.throws(() => welchTTest([1, 2], [1, Infinity]), /`b\[1\]` to be a finite number/);
});
