import { assertFiniteMatrix, assertSameShape } from './checkMatrix.js';
import type { Matrix } from './matrix.js';

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
  const a = after.data;
  const b = before.data;
  let deltaNorm2 = 0;
  let beforeNorm2 = 0;
  for (let i = 0; i < out.length; i++) {
    const x = b[i]!;
    const diff = a[i]! - x;
    out[i] = diff;
    deltaNorm2 += diff * diff;
    beforeNorm2 += x * x;
  }
  if (!Number.isFinite(deltaNorm2) || !Number.isFinite(beforeNorm2)) {
    assertFiniteMatrix(after, 'after activations');
    assertFiniteMatrix(before, 'before activations');
    // Finite inputs whose squares overflow float64 (|x| > 1e154): not activations.
    throw new Error(`activations are too large to square in float64 (‖after − before‖² = ${deltaNorm2}, ‖before‖² = ${beforeNorm2}); rescale them first`);
  }
  return { delta: { rows: after.rows, cols: after.cols, data: out }, deltaNorm2, beforeNorm2 };
}
