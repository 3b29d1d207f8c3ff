import { studentTQuantile, studentTTwoSidedP } from './studentT.js';
import { assertFiniteVector } from './validateInput.js';

/** Corrected resampled t-test of repeated k-fold CV scores (Nadeau & Bengio 2003). */
export interface NadeauBengioResult {
  /** Mean of the J = repeats·folds scores. */
  mean: number;
  /** (1/J + n_test/n_train)·s², s² the sample variance (ddof 1) of the scores. */
  correctedVariance: number;
  /** mean / √correctedVariance against 0, df = J − 1; null when the variance is 0. */
  t: number | null;
  /** Two-sided p of t. */
  p: number | null;
  /** mean ± t_{1−α/2, J−1}·√correctedVariance. */
  interval: [number, number];
  df: number;
}

/**
 * Nadeau–Bengio corrected resampled t-test (Nadeau & Bengio 2003, Machine Learning 52:239; the
 * correction as in Bouckaert & Frank 2004): the J fold scores of repeated k-fold CV overlap in
 * their training sets, so their naive variance s²/J understates the mean's; the corrected variance is
 * (1/J + n_test/n_train)·s². Pass per-fold differences (model − baseline) to test against a baseline.
 */
export function nadeauBengio(scores: readonly number[], testFraction: number, level = 0.95): NadeauBengioResult {
  assertFiniteVector('nadeauBengio', 'scores', scores, 2);
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`nadeauBengio: expected \`testFraction\` in (0, 1), got \`${testFraction}\``);
  const J = scores.length;
  const mean = scores.reduce((a, b) => a + b, 0) / J;
  const s2 = scores.reduce((a, b) => a + (b - mean) ** 2, 0) / (J - 1);
  const correctedVariance = (1 / J + testFraction / (1 - testFraction)) * s2;
  const df = J - 1;
  const half = studentTQuantile(1 - (1 - level) / 2, df) * Math.sqrt(correctedVariance);
  const t = correctedVariance > 0 ? mean / Math.sqrt(correctedVariance) : null;
  return { mean, correctedVariance, t, p: t === null ? null : studentTTwoSidedP(t, df), interval: [mean - half, mean + half], df };
}
