import { inverseCholeskyFactor } from './choleskyQr.js';
import { gram } from './gram.js';
import type { Matrix } from './matrix.js';
import { pcaRowMetrics } from './pcaRowMetrics.js';
import { randomOrthonormalBasis } from './randomOrthonormalBasis.js';
import { seededGaussian, seededGaussianTransposed } from './seededGaussian.js';
import { tiledProduct } from './tiledProduct.js';
import { copyRows, wasmProjectionSums, wasmResidentRows, wasmRowBlocks } from './wasm/gramWasm.js';

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
export function randomProjectionFractions(
  rows: Matrix,
  mean: Float64Array,
  k: number,
  seed: number,
  centredNorms2?: Float64Array,
  route: 'copy' | 'resident' = 'copy',
): (number | null)[] {
  const { rows: n, cols: d, data } = rows;
  const resident = route === 'resident' ? residentProducts(rows, mean, k, seed) : undefined;
  if (resident) return fractions(rows, mean, k, resident.y, resident.rInv, centredNorms2);
  const a = seededGaussian(d, k, seed);
  // Each Gaussian column keeps ≈ (d − j)/d of its norm outside the previous ones; 1 % or less
  // means k is close to d, where the normal-equations route would lose digits.
  const rInv = inverseCholeskyFactor(gram({ rows: d, cols: k, data: a }, 'cols'), k, 1e-2);
  if (!rInv) {
    const components = randomOrthonormalBasis(d, k, seed);
    return pcaRowMetrics(rows, { mean, components, k: components.cols, explainedVariance: new Array<number>(components.cols).fill(1) })
      .projectionFractionCentered;
  }
  // Rows of (rows − 1μᵀ)·A·R⁻¹ are (Qᵀx)ᵀ.
  const y = tiledProduct(data, n, d, d, 1, a, k);
  const muA = tiledProduct(mean, 1, d, d, 1, a, k);
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) y[r * k + j] = y[r * k + j]! - muA[j]!;
  return fractions(rows, mean, k, y, rInv, centredNorms2);
}

/**
 * The `resident` route: A is drawn straight into kernel memory as Aᵀ (k rows of d); AᵀA, Aᵀμ and
 * rows·A (the rows copied in above it a block at a time) are formed there by the Gram and cross kernels. The same AᵀA bit for
 * bit and the same products up to summation order (≈ d·ε relative), without the d×k array, its
 * transposed copy for the Gram and its copy for the product (7 MB each at k ≈ 200). Returns
 * (rows − 1μᵀ)·A (n×k) and R⁻¹; undefined when the kernels cannot hold them or the Cholesky declines
 * (the caller takes the copy route, which handles that case).
 */
function residentProducts(rows: Matrix, mean: Float64Array, k: number, seed: number): { y: Float64Array; rInv: Float64Array } | undefined {
  const { rows: n, cols: d, data } = rows;
  const at = wasmResidentRows(k, d, (dst, stride) => seededGaussianTransposed(d, k, seed, dst, stride));
  if (!at) return undefined;
  try {
    const rInv = inverseCholeskyFactor(at.gram(), k, 1e-2);
    if (!rInv) return undefined;
    const mu = wasmResidentRows(1, d, copyRows(mean, 1, d));
    if (!mu) return undefined;
    let muA: Float64Array;
    try {
      muA = mu.timesTransposeOf(at);
    } finally {
      mu.release();
    }
    // rows·A a block of rows at a time above Aᵀ (B·(Aᵀ)ᵀ by the cross kernel).
    const y = new Float64Array(n * k);
    const done = wasmRowBlocks(data, n, d, (block, r0) => {
      const part = block.timesTransposeOf(at);
      for (let i = 0; i < part.length; i++) y[r0 * k + i] = part[i]! - muA[i % k]!;
    });
    return done ? { y, rInv } : undefined;
  } finally {
    at.release();
  }
}

/** ‖R⁻ᵀ·yᵣ‖/‖xᵣ‖ per row from y = (rows − 1μᵀ)·A. */
function fractions(rows: Matrix, mean: Float64Array, k: number, y: Float64Array, rInv: Float64Array, centredNorms2?: Float64Array): (number | null)[] {
  const { rows: n, cols: d, data } = rows;
  const c = tiledProduct(y, n, k, k, 1, rInv, k);
  // Σc² per row by the projectionSums kernel (μ = 0, variances 1: its first sum is Σ(c − 0)² = Σc²
  // in order, the same bits as the loop below, which a one-shot `analyze` otherwise OSR-compiled).
  const viaKernel = wasmProjectionSums(c, new Float64Array(k), new Array<number>(k).fill(1), n, k);
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
    if (viaKernel) p2 = viaKernel[3 * r]!;
    else for (let j = r * k; j < (r + 1) * k; j++) p2 += c[j]! * c[j]!;
    out.push(x2 === 0 ? null : Math.sqrt(Math.min(p2, x2) / x2));
  }
  return out;
}
