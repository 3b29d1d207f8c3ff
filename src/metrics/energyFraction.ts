import { assertFiniteMatrix, assertRank } from './checkMatrix.js';
import type { Matrix } from './matrix.js';
import { orthonormalColumns } from './orthonormalColumns.js';
import { randomOrthonormalBasis } from './randomOrthonormalBasis.js';

/**
 * ‖Δ Q‖²_F / ‖Δ‖²_F: the share of a delta's energy (n×d) inside the column space of U (d×k,
 * orthonormalised first). With U = the train delta subspace and Δ = the eval delta, it says how much
 * of the out-of-domain shift lies along the directions training moved. `null` when Δ = 0.
 */
export function energyFraction(delta: Matrix, U: Matrix): number | null {
  assertFiniteMatrix(delta, 'delta');
  assertFiniteMatrix(U, 'basis');
  if (U.rows !== delta.cols) {
    throw new Error(`shape mismatch: delta is ${delta.rows}×${delta.cols}, basis is ${U.rows}×${U.cols}; the basis needs one row per delta column (feature)`);
  }
  const q = orthonormalColumns(U);
  const d = delta.cols;
  const k = q.cols;
  const x = delta.data;
  let total = 0;
  for (let i = 0; i < x.length; i++) total += x[i]! * x[i]!;
  if (total === 0) return null;
  let inside = 0;
  const acc = new Float64Array(k);
  for (let r = 0; r < delta.rows; r++) {
    acc.fill(0);
    const base = r * d;
    for (let c = 0; c < d; c++) {
      const v = x[base + c]!;
      if (v === 0) continue;
      const qb = c * k;
      for (let j = 0; j < k; j++) acc[j] = acc[j]! + v * q.data[qb + j]!;
    }
    for (let j = 0; j < k; j++) inside += acc[j]! * acc[j]!;
  }
  return Math.min(1, inside / total);
}

/**
 * `energyFraction` of a delta inside a seeded random k-subspace (k capped at d): the chance level
 * (k/d in expectation) that the train-subspace energy fraction must beat. Lives next to
 * `energyFraction` because the two are only ever read together. `null` when Δ = 0.
 */
export function randomEnergyFraction(delta: Matrix, k: number, seed: number): number | null {
  assertRank(k, 'k');
  if (delta.cols === 0) return null;
  return energyFraction(delta, randomOrthonormalBasis(delta.cols, Math.min(k, delta.cols), seed));
}
