import type { Matrix } from './matrix.js';
import { tiledProduct } from './tiledProduct.js';

/**
 * An orthonormal basis (d×r, float64, row-major) of the column space of `m` (d×k), by modified
 * Gram–Schmidt applied twice ("twice is enough", Giraud et al. 2005), dropping columns whose
 * remaining norm falls below `relTol` of their original norm (linearly dependent or zero). Lets
 * every subspace metric accept any spanning set, not only exactly orthonormal bases.
 */
export function orthonormalColumns(m: Matrix, relTol = 1e-10): Matrix {
  const d = m.rows;
  const k = m.cols;
  const src = m.data;
  // Fast path: bases from deltaSubspace / randomOrthonormalBasis already are orthonormal; checking
  // MᵀM = I costs a quarter of Gram–Schmidt twice and returns the input untouched.
  if (isOrthonormal(m)) return m;
  // Work column-major: one contiguous d-vector per column.
  const cols: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(d);
    let norm0 = 0;
    for (let i = 0; i < d; i++) {
      const x = src[i * k + j]!;
      v[i] = x;
      norm0 += x * x;
    }
    norm0 = Math.sqrt(norm0);
    if (norm0 === 0) continue;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of cols) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i]! * v[i]!;
        for (let i = 0; i < d; i++) v[i] = v[i]! - dot * q[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    if (norm <= relTol * norm0) continue;
    for (let i = 0; i < d; i++) v[i] = v[i]! / norm;
    cols.push(v);
  }
  const r = cols.length;
  const out = new Float64Array(d * r);
  cols.forEach((q, j) => {
    for (let i = 0; i < d; i++) out[i * r + j] = q[i]!;
  });
  return { rows: d, cols: r, data: out };
}

/** ‖MᵀM − I‖_max ≤ 1e-12, on float64 data (float32 columns are never orthonormal to that precision). */
function isOrthonormal(m: Matrix): boolean {
  if (!(m.data instanceof Float64Array)) return false;
  const { rows: d, cols: k, data } = m;
  const g = tiledProduct(data, k, d, 1, k, data, k); // MᵀM
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      if (Math.abs(g[i * k + j]! - (i === j ? 1 : 0)) > 1e-12) return false;
    }
  }
  return true;
}
