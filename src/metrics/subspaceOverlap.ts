import type { Matrix } from './matrix.js';
import { orthonormalCross } from './orthonormalCross.js';

/**
 * Mean cos² of the principal angles between two subspaces: ‖QUᵀQV‖²_F / min(kU, kV), in [0, 1]
 * (1 = one contains the other, 0 = orthogonal; random k-subspaces of R^d give ≈ k/d). Needs no
 * SVD. Both bases are orthonormalised first; an empty basis gives 0. Read it next to the spectral
 * gap ratio: without a gap the top-k basis is arbitrary and so is the overlap.
 */
export function subspaceOverlap(U: Matrix, V: Matrix): number {
  const { cross: c, count } = orthonormalCross(U, V);
  if (count === 0) return 0;
  let s = 0;
  for (let i = 0; i < c.data.length; i++) s += c.data[i]! * c.data[i]!;
  return Math.min(1, s / count);
}
