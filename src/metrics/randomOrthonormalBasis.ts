import type { Matrix } from './matrix.js';
import { choleskyQr } from './choleskyQr.js';
import { orthonormalColumns } from './orthonormalColumns.js';
import { seededGaussian } from './seededGaussian.js';

/**
 * A seeded, uniformly random (Haar) k-dimensional subspace of R^d as an orthonormal d×k basis:
 * Gaussian columns (`seededGaussian`) orthonormalised (CholeskyQR2; Gram–Schmidt if that declines).
 * The null baseline of every subspace monitor: a fixed energy fraction means nothing until it beats
 * a random basis of the same rank.
 */
export function randomOrthonormalBasis(d: number, k: number, seed: number): Matrix {
  if (!Number.isInteger(d) || d < 1) throw new Error(`Expected \`d\` to be an integer >= 1, got \`${d}\` (${typeof d})`);
  if (!Number.isInteger(k) || k < 1 || k > d) throw new Error(`Expected \`k\` to be an integer in [1, ${d}], got \`${k}\` (${typeof k})`);
  if (!Number.isFinite(seed)) throw new Error(`Expected \`seed\` to be a finite number, got \`${seed}\` (${typeof seed})`);
  const gaussian: Matrix = { rows: d, cols: k, data: seededGaussian(d, k, seed) };
  return choleskyQr(gaussian) ?? orthonormalColumns(gaussian);
}
