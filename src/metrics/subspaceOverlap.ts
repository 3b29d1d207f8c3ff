import { assertFiniteMatrix } from './checkMatrix.js';
import type { Matrix } from './matrix.js';
import { orthonormalColumns } from './orthonormalColumns.js';
import { transposeTimes } from './transposeTimes.js';

/**
 * Mean cos² of the principal angles between two subspaces: ‖QUᵀQV‖²_F / min(kU, kV), in [0, 1]
 * (1 = one contains the other, 0 = orthogonal; random k-subspaces of R^d give ≈ k/d). Needs no
 * SVD. Both bases are orthonormalised first; an empty basis gives 0. Read it next to the spectral
 * gap ratio: without a gap the top-k basis is arbitrary and so is the overlap.
 */
export function subspaceOverlap(U: Matrix, V: Matrix): number {
  assertFiniteMatrix(U, 'first basis');
  assertFiniteMatrix(V, 'second basis');
  const qa = orthonormalColumns(U);
  const qb = orthonormalColumns(V);
  const c = transposeTimes(qa, qb);
  const count = Math.min(qa.cols, qb.cols);
  if (count === 0) return 0;
  let s = 0;
  for (let i = 0; i < c.data.length; i++) s += c.data[i]! * c.data[i]!;
  return Math.min(1, s / count);
}
