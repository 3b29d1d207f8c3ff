import type { Matrix } from './matrix.js';
import { orthonormalCross } from './orthonormalCross.js';
import { singularValues } from './singularValues.js';
import { tiledProduct } from './tiledProduct.js';

/**
 * Principal angles (radians, ascending) between the column spaces of U (d×kU) and V (d×kV):
 * min(kU, kV) angles after orthonormalising both. Follows SciPy `subspace_angles` (Knyazev &
 * Argentati 2002): cosines from the singular values of QUᵀQV, but angles with cos² ≥ 1/2 come from
 * the sines, the singular values of the residual QV − QU(QUᵀQV), because arccos is flat near 0.
 * An empty basis (0 columns) gives [].
 */
export function principalAngles(U: Matrix, V: Matrix): number[] {
  const { qa, qb, cross: c, count } = orthonormalCross(U, V);
  if (count === 0) return [];
  const cosines = singularValues(c).slice(0, count); // descending: smallest angle first
  // The residual of the smaller basis against the larger has exactly `count` sines.
  const [big, small, cross] = qa.cols >= qb.cols ? [qa, qb, c] : [qb, qa, transposed(c)];
  const kb = small.cols;
  const ka = big.cols;
  // residual = Q_small − Q_big·cross (one tiled product, then the subtraction).
  const residual = tiledProduct(big.data, big.rows, ka, ka, 1, cross.data, kb);
  const sd = small.data;
  for (let i = 0; i < residual.length; i++) residual[i] = sd[i]! - residual[i]!;
  const sines = singularValues({ rows: small.rows, cols: kb, data: residual }).reverse(); // ascending
  const angles: number[] = [];
  for (let i = 0; i < count; i++) {
    const cos = Math.min(1, cosines[i]!);
    angles.push(cos * cos >= 0.5 ? Math.asin(Math.min(1, sines[i]!)) : Math.acos(cos));
  }
  return angles.sort((x, y) => x - y);
}

function transposed(m: Matrix): Matrix {
  const out = new Float64Array(m.data.length);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j]!;
  return { rows: m.cols, cols: m.rows, data: out };
}
