import { assertFiniteMatrix } from './checkMatrix.js';
import type { Matrix } from './matrix.js';
import { orthonormalColumns } from './orthonormalColumns.js';
import { transposeTimes } from './transposeTimes.js';

/**
 * Two bases orthonormalised (after checking both finite) and their cross product QUᵀQV, whose
 * singular values are the cosines of the principal angles: what `principalAngles` and
 * `subspaceOverlap` both start from. `count` = min(kU, kV), the number of angles.
 */
export function orthonormalCross(U: Matrix, V: Matrix): { qa: Matrix; qb: Matrix; cross: Matrix; count: number } {
  assertFiniteMatrix(U, 'first basis');
  assertFiniteMatrix(V, 'second basis');
  const qa = orthonormalColumns(U);
  const qb = orthonormalColumns(V);
  return { qa, qb, cross: transposeTimes(qa, qb), count: Math.min(qa.cols, qb.cols) };
}
