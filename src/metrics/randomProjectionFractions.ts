import { inverseCholeskyFactor } from './choleskyQr.js';
import { gram } from './gram.js';
import type { Matrix } from './matrix.js';
import { pcaRowMetrics } from './pcaRowMetrics.js';
import { randomOrthonormalBasis } from './randomOrthonormalBasis.js';
import { seededGaussian } from './seededGaussian.js';
import { tiledProduct } from './tiledProduct.js';

/**
 * ‖P(x)‖/‖x‖ for each row x = row − μ of `rows` (n×d), P the orthogonal projection onto the seeded
 * random k-subspace of `randomOrthonormalBasis(d, k, seed)`; `null` where x = 0. The same numbers as
 * `pcaRowMetrics` against that basis, without forming it: with A the Gaussian d×k matrix and
 * AᵀA = RᵀR, the basis is Q = AR⁻¹, so Qᵀx = R⁻ᵀAᵀx and one product rows·A (n×d·k) plus a k×k
 * Cholesky replace the two d×k·k×k products and extra Gram of orthonormalising A (≈ 3x less work at
 * k ≈ 200, what a 90 % share picks on noise-like activations). Precise to ≈ ε·cond(A)², and a
 * Gaussian d×k matrix is well conditioned unless k ≈ d (then the Cholesky declines and the basis is
 * formed and measured by `pcaRowMetrics`). Rows must be finite with d = μ.length columns; 1 ≤ k ≤ d.
 */
export function randomProjectionFractions(rows: Matrix, mean: Float64Array, k: number, seed: number, centredNorms2?: Float64Array): (number | null)[] {
  const { rows: n, cols: d, data } = rows;
  const a = seededGaussian(d, k, seed);
  // Each Gaussian column keeps ≈ (d − j)/d of its norm outside the previous ones; 1 % or less
  // means k is close to d, where the normal-equations route would lose digits.
  const rInv = inverseCholeskyFactor(gram({ rows: d, cols: k, data: a }, 'cols'), k, 1e-2);
  if (!rInv) {
    const components = randomOrthonormalBasis(d, k, seed);
    const fake = { mean, components, k: components.cols, varianceShare: null, explainedVariance: new Array<number>(components.cols).fill(1) };
    return pcaRowMetrics(rows, { ...fake, explainedVarianceRatio: [], cumulativeExplainedVarianceRatio: 0 }).projectionFractionCentered;
  }
  // Rows of (rows − 1μᵀ)·A·R⁻¹ are (Qᵀx)ᵀ.
  const y = tiledProduct(data, n, d, d, 1, a, k);
  const muA = tiledProduct(mean, 1, d, d, 1, a, k);
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) y[r * k + j] = y[r * k + j]! - muA[j]!;
  const c = tiledProduct(y, n, k, k, 1, rInv, k);
  const out: (number | null)[] = [];
  for (let r = 0; r < n; r++) {
    let x2 = centredNorms2?.[r] ?? 0;
    if (!centredNorms2) {
      for (let col = r * d; col < (r + 1) * d; col++) {
        const x = data[col]! - mean[col - r * d]!;
        x2 += x * x;
      }
    }
    let p2 = 0;
    for (let j = r * k; j < (r + 1) * k; j++) p2 += c[j]! * c[j]!;
    out.push(x2 === 0 ? null : Math.sqrt(Math.min(p2, x2) / x2));
  }
  return out;
}
