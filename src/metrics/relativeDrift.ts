import { assertFiniteMatrix, assertSameShape } from './checkMatrix.js';
import type { Matrix } from './matrix.js';

/** ‖after − before‖_F / ‖before‖_F: how far a layer's activations moved, scale-free. `null` when before = 0. */
export function relativeDrift(before: Matrix, after: Matrix): number | null {
  assertSameShape(after, before, 'after', 'before');
  assertFiniteMatrix(before, 'before activations');
  assertFiniteMatrix(after, 'after activations');
  let deltaNorm2 = 0;
  let beforeNorm2 = 0;
  for (let i = 0; i < before.data.length; i++) {
    const b = before.data[i]!;
    const diff = after.data[i]! - b;
    deltaNorm2 += diff * diff;
    beforeNorm2 += b * b;
  }
  return relativeDriftFromNorms({ deltaNorm2, beforeNorm2 });
}

/**
 * `relativeDrift` from squared norms already summed, e.g. by `deltaWithNorms` while it forms the
 * delta the subspace metrics need: √(‖Δ‖²_F / ‖before‖²_F), `null` when ‖before‖ = 0.
 */
export function relativeDriftFromNorms(norms: { deltaNorm2: number; beforeNorm2: number }): number | null {
  return norms.beforeNorm2 === 0 ? null : Math.sqrt(norms.deltaNorm2 / norms.beforeNorm2);
}
