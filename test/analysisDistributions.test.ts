import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logGamma } from '../src/analysis/logGamma.js';
import { regularizedIncompleteBeta } from '../src/analysis/incompleteBeta.js';
import { normalCdf, normalQuantile } from '../src/analysis/normal.js';
import { studentTCdf, studentTQuantile, studentTTwoSidedP } from '../src/analysis/studentT.js';
import { assertClose, reference } from './analysisHelpers.js';

test('logGamma matches closed forms: Γ(n) = (n−1)!, Γ(½) = √π', () => {
  assertClose(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14, 'lgamma(0.5)');
  assertClose(logGamma(10), Math.log(362880), 1e-14, 'lgamma(10)');
  assertClose(logGamma(1), 0, 1e-14, 'lgamma(1)');
  assertClose(logGamma(171), 706.5730622457874, 1e-13, 'lgamma(171)'); // ln(170!) from Stirling/A&S tables
  assert.throws(() => logGamma(0), /expected `x` > 0/);
});

test('regularized incomplete beta matches scipy.special.betainc to 1e-12 relative', () => {
  for (const c of reference.incompleteBeta) {
    assertClose(regularizedIncompleteBeta(c.x, c.a, c.b), c.value, 1e-12, `I(${c.x};${c.a},${c.b})`);
  }
  // closed form: I_x(1, 1) = x, I_x(a, 1) = x^a
  assertClose(regularizedIncompleteBeta(0.37, 1, 1), 0.37, 1e-15, 'I(0.37;1,1)');
  assertClose(regularizedIncompleteBeta(0.37, 4.5, 1), 0.37 ** 4.5, 1e-14, 'I(0.37;4.5,1)');
});

test('Student t CDF and two-sided p match scipy.stats.t to 1e-10 relative', () => {
  for (const c of reference.studentT) {
    assertClose(studentTCdf(c.t, c.df), c.cdf, 1e-10, `tcdf[${c.t},${c.df}]`);
    assertClose(studentTTwoSidedP(c.t, c.df), c.twoSided, 1e-10, `tp[${c.t},${c.df}]`);
  }
  // closed forms: df = 1 is Cauchy, df = 2 has F(t) = ½ + t/(2√(2+t²))
  assertClose(studentTCdf(1.7, 1), 0.5 + Math.atan(1.7) / Math.PI, 1e-14, 'cauchy');
  assertClose(studentTCdf(-0.9, 2), 0.5 - 0.9 / (2 * Math.sqrt(2 + 0.81)), 1e-14, 't2');
});

test('Student t quantile matches a 40-digit mpmath root to 1e-12 (scipy ppf to 1e-8) and inverts the CDF', () => {
  for (const c of reference.studentTQuantile) {
    assertClose(studentTQuantile(c.p, c.df), c.value, 1e-12, `tppf[${c.p},${c.df}]`);
    assertClose(studentTQuantile(c.p, c.df), c.scipy, 1e-8, `tppf-scipy[${c.p},${c.df}]`);
  }
  assertClose(studentTQuantile(0.9, 1), Math.tan(Math.PI * 0.4), 1e-12, 'cauchy quantile');
  assert.equal(studentTQuantile(0, 3), -Infinity);
  assert.throws(() => studentTQuantile(1.2, 3), /expected `p` in \[0, 1\]/);
  assert.throws(() => studentTCdf(1, 0), /expected `df` to be a finite number > 0/);
});

test('normal CDF and quantile match scipy.stats.norm to 1e-12 relative (deep tails included)', () => {
  for (const c of reference.normal) assertClose(normalCdf(c.z), c.cdf, 1e-12, `ncdf[${c.z}]`);
  for (const c of reference.normalQuantile) assertClose(normalQuantile(c.p), c.value, 1e-12, `nppf[${c.p}]`);
  assertClose(normalQuantile(0.975), 1.959963984540054, 1e-14, 'z_0.975'); // published value
});
