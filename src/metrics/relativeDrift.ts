import { assertFiniteMatrix, assertSameShape } from './checkMatrix.js';
import type { Matrix } from './matrix.js';

/** ‖after − before‖_F / ‖before‖_F: how far a layer's activations moved, scale-free. `null` when before = 0. */
export function relativeDrift(before: Matrix, after: Matrix): number | null {
  assertSameShape(after, before, 'after', 'before');
  assertFiniteMatrix(before, 'before activations');
  assertFiniteMatrix(after, 'after activations');
  let num = 0;
  let den = 0;
  for (let i = 0; i < before.data.length; i++) {
    const b = before.data[i]!;
    const diff = after.data[i]! - b;
    num += diff * diff;
    den += b * b;
  }
  return den === 0 ? null : Math.sqrt(num / den);
}
