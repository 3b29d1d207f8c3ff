import { assertFiniteMatrix, assertSameShape } from './checkMatrix.js';
import type { Matrix } from './matrix.js';

/**
 * `after − before` in float64, uncentered (the common shift is the signal). Float64 because two
 * float32 activations subtract exactly in float64, while in float32 a small delta on a large
 * activation loses digits. Throws on a shape mismatch or a non-finite value.
 */
export function subtractMatrices(after: Matrix, before: Matrix): Matrix {
  assertSameShape(after, before, 'after', 'before');
  assertFiniteMatrix(after, 'after activations');
  assertFiniteMatrix(before, 'before activations');
  const out = new Float64Array(after.data.length);
  const a = after.data;
  const b = before.data;
  for (let i = 0; i < out.length; i++) out[i] = a[i]! - b[i]!;
  return { rows: after.rows, cols: after.cols, data: out };
}
