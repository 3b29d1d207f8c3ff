import { assertFiniteMatrix, assertSameShape } from './checkMatrix.js';
import type { Matrix } from './matrix.js';
import { wasmDeltaRows } from './wasm/gramWasm.js';

/**
 * `after − before` in float64, uncentered (the common shift is the signal). Float64 because two
 * float32 activations subtract exactly in float64, while in float32 a small delta on a large
 * activation loses digits. Throws on a shape mismatch or a non-finite value.
 */
export function subtractMatrices(after: Matrix, before: Matrix): Matrix {
  return deltaWithNorms(after, before).delta;
}

/** A delta with the squared norms that drift and the subspace metrics read, from one pass. */
export interface DeltaWithNorms {
  delta: Matrix;
  /** ‖after − before‖²_F. */
  deltaNorm2: number;
  /** ‖before‖²_F. */
  beforeNorm2: number;
}

/**
 * `subtractMatrices` plus ‖Δ‖²_F and ‖before‖²_F, validating finiteness in the same pass (a NaN or
 * ±Infinity in either input makes Δ or ‖before‖² non-finite; only then are the inputs scanned for the
 * cell to name). What lets `analyzeActivations` read each activation matrix once. `out` receives
 * Δ (a reused scratch buffer there).
 */
export function deltaWithNorms(after: Matrix, before: Matrix, out: Float64Array = new Float64Array(after.data.length)): DeltaWithNorms {
  assertSameShape(after, before, 'after', 'before');
  if (out.length !== after.data.length) throw new Error(`deltaWithNorms: output buffer holds ${out.length} values, the delta needs ${after.data.length}`);
  const { deltaNorm2, beforeNorm2 } = normsOfDelta(after, before, out);
  return { delta: { rows: after.rows, cols: after.cols, data: out }, deltaNorm2, beforeNorm2 };
}

/**
 * The two totals of `deltaWithNorms` (the same sums in the same order, so the same numbers) without
 * writing Δ anywhere, for callers that read only the norms (`summarizeActivations`: the capture
 * worker at every check, where copying Δ out of the kernel was a 512 kB float64 pass per layer).
 * Validates like `deltaWithNorms`.
 */
export function deltaNorms(after: Matrix, before: Matrix): { deltaNorm2: number; beforeNorm2: number } {
  assertSameShape(after, before, 'after', 'before');
  return normsOfDelta(after, before, null);
}

/** ‖after − before‖² and ‖before‖² of same-shape matrices in one pass, Δ written to `out` when given; validated. */
function normsOfDelta(after: Matrix, before: Matrix, out: Float64Array | null): { deltaNorm2: number; beforeNorm2: number } {
  const a = after.data;
  const b = before.data;
  let deltaNorm2 = 0;
  let beforeNorm2 = 0;
  // The kernel's sums do not depend on whether it writes Δ.
  const viaKernel = wasmDeltaRows(a, b, after.rows, after.cols, out, null);
  if (viaKernel) ({ deltaNorm2, beforeNorm2 } = viaKernel);
  else {
    for (let i = 0; i < a.length; i++) {
      const x = b[i]!;
      const diff = a[i]! - x;
      if (out) out[i] = diff;
      deltaNorm2 += diff * diff;
      beforeNorm2 += x * x;
    }
  }
  assertFiniteNorms(after, before, deltaNorm2, beforeNorm2);
  return { deltaNorm2, beforeNorm2 };
}

function assertFiniteNorms(after: Matrix, before: Matrix, deltaNorm2: number, beforeNorm2: number): void {
  if (Number.isFinite(deltaNorm2) && Number.isFinite(beforeNorm2)) return;
  assertFiniteMatrix(after, 'after activations');
  assertFiniteMatrix(before, 'before activations');
  // Finite inputs whose squares overflow float64 (|x| > 1e154): not activations.
  throw new Error(`activations are too large to square in float64 (‖after − before‖² = ${deltaNorm2}, ‖before‖² = ${beforeNorm2}); rescale them first`);
}

/** Per-row sums of a delta's pass: ‖bᵢ‖², ‖aᵢ‖², aᵢ·bᵢ and ‖aᵢ − bᵢ‖² for each row i. */
export interface RowNorms {
  before2: Float64Array;
  after2: Float64Array;
  dot: Float64Array;
  delta2: Float64Array;
}

/**
 * `deltaWithNorms` (the same Δ and the same totals, summed in the same order) that also keeps the
 * per-row sums `deltaSize` needs, so `analyzeActivations` reads the eval activations once instead of
 * twice. Validates like `deltaWithNorms`.
 */
export function deltaWithRowNorms(after: Matrix, before: Matrix, out: Float64Array = new Float64Array(after.data.length)): DeltaWithNorms & { rows: RowNorms } {
  assertSameShape(after, before, 'after', 'before');
  if (out.length !== after.data.length) throw new Error(`deltaWithRowNorms: output buffer holds ${out.length} values, the delta needs ${after.data.length}`);
  const { rows: n, cols: d } = after;
  const a = after.data;
  const b = before.data;
  const rows: RowNorms = { before2: new Float64Array(n), after2: new Float64Array(n), dot: new Float64Array(n), delta2: new Float64Array(n) };
  const viaKernel = wasmDeltaRows(a, b, n, d, out, rows);
  const { deltaNorm2, beforeNorm2 } = viaKernel ?? deltaRowsJs(a, b, n, d, out, rows);
  if (!Number.isFinite(deltaNorm2) || !Number.isFinite(beforeNorm2)) {
    deltaWithNorms(after, before, out); // throws, naming the cell
  }
  return { delta: { rows: n, cols: d, data: out }, deltaNorm2, beforeNorm2, rows };
}

/** The JS route of `wasmDeltaRows` with row sums (no WebAssembly). */
function deltaRowsJs(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  n: number,
  d: number,
  out: Float64Array,
  rows: RowNorms,
): { deltaNorm2: number; beforeNorm2: number } {
  let deltaNorm2 = 0;
  let beforeNorm2 = 0;
  for (let r = 0; r < n; r++) {
    let bb = 0;
    let aa = 0;
    let ab = 0;
    let dd = 0;
    for (let i = r * d; i < (r + 1) * d; i++) {
      const x = b[i]!;
      const y = a[i]!;
      const diff = y - x;
      out[i] = diff;
      deltaNorm2 += diff * diff;
      beforeNorm2 += x * x;
      bb += x * x;
      aa += y * y;
      ab += x * y;
      dd += diff * diff;
    }
    rows.before2[r] = bb;
    rows.after2[r] = aa;
    rows.dot[r] = ab;
    rows.delta2[r] = dd;
  }
  return { deltaNorm2, beforeNorm2 };
}
