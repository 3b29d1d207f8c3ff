import { assertFiniteMatrix, assertRank } from './checkMatrix.js';
import type { Matrix } from './matrix.js';
import { orthonormalColumns } from './orthonormalColumns.js';
import { randomOrthonormalBasis } from './randomOrthonormalBasis.js';
import { tiledProduct } from './tiledProduct.js';
import { wasmInterleaveColumns } from './wasm/gramWasm.js';

/**
 * ‖Δ Q‖²_F / ‖Δ‖²_F: the share of a delta's energy (n×d) inside the column space of U (d×k,
 * orthonormalised first). With U = the train delta subspace and Δ = the eval delta, it says how much
 * of the out-of-domain shift lies along the directions training moved. `null` when Δ = 0.
 */
export function energyFraction(delta: Matrix, U: Matrix): number | null {
  return energyFractions(delta, [U])[0]!;
}

/**
 * `energyFraction` of one delta for several bases with a single pass over the delta: one float64
 * product Δ·[Q₁ … Q_b] (`tiledProduct`; measured as fast as the tfjs float32 product it replaced at
 * 256×4096 with 32 columns, and without tfjs's per-call overhead at guard sizes). No tensors.
 */
export function energyFractions(delta: Matrix, bases: readonly Matrix[]): (number | null)[] {
  assertFiniteMatrix(delta, 'delta');
  for (const U of bases) {
    assertFiniteMatrix(U, 'basis');
    if (U.rows !== delta.cols) {
      throw new Error(`shape mismatch: delta is ${delta.rows}×${delta.cols}, basis is ${U.rows}×${U.cols}; the basis needs one row per delta column (feature)`);
    }
  }
  const x = delta.data;
  let total = 0;
  for (let i = 0; i < x.length; i++) total += x[i]! * x[i]!;
  return energyFractionsOfFinite(delta, total, bases);
}

/**
 * `energyFractions` for a delta already checked finite, with ‖Δ‖²_F given (analyzeActivations has
 * both from forming the delta; skips two passes over it). With `times` (Δ·B for the d×width
 * row-major B, as `tiledProduct` forms it) only the delta's shape is read: `analyzeActivations` then
 * never forms it in JS.
 */
export function energyFractionsOfFinite(
  delta: Matrix,
  total: number,
  bases: readonly Matrix[],
  times?: (b: Float64Array, width: number) => Float64Array,
): (number | null)[] {
  if (total === 0 || delta.rows === 0) return bases.map(() => null);
  const qs = bases.map((U) => orthonormalColumns(U));
  const width = qs.reduce((a, q) => a + q.cols, 0);
  if (width === 0) return bases.map(() => 0);
  const d = delta.cols;
  const stacked = wasmInterleaveColumns(qs, d) ?? interleaveColumns(qs, d, width);
  const projected = times ? times(stacked, width) : tiledProduct(delta.data, delta.rows, d, d, 1, stacked, width);
  let offset = 0;
  return qs.map((q) => {
    let inside = 0;
    for (let r = 0; r < delta.rows; r++) {
      for (let j = 0; j < q.cols; j++) {
        const p = projected[r * width + offset + j]!;
        inside += p * p;
      }
    }
    offset += q.cols;
    return Math.min(1, inside / total);
  });
}

/** The bases side by side (d × width, row-major), in plain JS: the fallback of `wasmInterleaveColumns`. */
function interleaveColumns(qs: readonly Matrix[], d: number, width: number): Float64Array {
  const stacked = new Float64Array(d * width);
  let offset = 0;
  for (const q of qs) {
    for (let c = 0; c < d; c++) for (let j = 0; j < q.cols; j++) stacked[c * width + offset + j] = q.data[c * q.cols + j]!;
    offset += q.cols;
  }
  return stacked;
}

/**
 * `energyFraction` of a delta inside a seeded random k-subspace (k capped at d): the chance level
 * (k/d in expectation) that the train-subspace energy fraction must beat. Lives next to
 * `energyFraction` because the two are only ever read together. `null` when Δ = 0.
 */
export function randomEnergyFraction(delta: Matrix, k: number, seed: number): number | null {
  assertRank(k, 'k');
  if (delta.cols === 0) return null;
  return energyFraction(delta, seededBasis(delta.cols, Math.min(k, delta.cols), seed));
}

let lastBasis: { d: number; k: number; seed: number; basis: Matrix } | undefined;

/**
 * `randomOrthonormalBasis(d, k, seed)`, remembering the last one: the guard and `analyzeActivations`
 * ask for the same (d, k, seed) at every check, and building it (Box–Muller + Gram–Schmidt twice)
 * cost ≈ 7 ms at 4096×16. For internal read-only use: the returned Matrix is shared.
 */
export function seededBasis(d: number, k: number, seed: number): Matrix {
  if (lastBasis && lastBasis.d === d && lastBasis.k === k && Object.is(lastBasis.seed, seed)) return lastBasis.basis;
  const basis = randomOrthonormalBasis(d, k, seed);
  lastBasis = { d, k, seed, basis };
  return basis;
}
