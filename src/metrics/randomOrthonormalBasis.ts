import type { Matrix } from './matrix.js';
import { seededRandom } from '../util/seededRandom.js';
import { orthonormalColumns } from './orthonormalColumns.js';

/**
 * A seeded, uniformly random (Haar) k-dimensional subspace of R^d as an orthonormal d×k basis:
 * Gaussian columns (Mulberry32 + Box–Muller) orthonormalised. The null baseline of every subspace
 * monitor: a fixed energy fraction means nothing until it beats a random basis of the same rank.
 */
export function randomOrthonormalBasis(d: number, k: number, seed: number): Matrix {
  if (!Number.isInteger(d) || d < 1) throw new Error(`Expected \`d\` to be an integer >= 1, got \`${d}\` (${typeof d})`);
  if (!Number.isInteger(k) || k < 1 || k > d) throw new Error(`Expected \`k\` to be an integer in [1, ${d}], got \`${k}\` (${typeof k})`);
  if (!Number.isFinite(seed)) throw new Error(`Expected \`seed\` to be a finite number, got \`${seed}\` (${typeof seed})`);
  const rand = seededRandom(seed);
  const data = new Float64Array(d * k);
  for (let i = 0; i < data.length; i += 2) {
    // Box–Muller: two independent standard normals per pair of uniforms in (0, 1].
    const u1 = 1 - rand();
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1));
    data[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < data.length) data[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return orthonormalColumns({ rows: d, cols: k, data });
}
