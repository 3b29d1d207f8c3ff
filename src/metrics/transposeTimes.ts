import type { Matrix } from './matrix.js';
import { tiledProduct } from './tiledProduct.js';

/** `Aᵀ B` in float64 for two d×k bases sharing d (result kA×kB): the core product of subspace metrics. */
export function transposeTimes(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows) {
    throw new Error(`shape mismatch: first basis is ${a.rows}×${a.cols}, second is ${b.rows}×${b.cols}; bases must live in the same feature dimension (rows)`);
  }
  const ka = a.cols;
  const kb = b.cols;
  // Aᵀ read through strides: element (i, r) of Aᵀ is a[r·ka + i].
  const out = tiledProduct(a.data, ka, a.rows, 1, ka, b.data, kb);
  return { rows: ka, cols: kb, data: out };
}
