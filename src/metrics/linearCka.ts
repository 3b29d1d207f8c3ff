import * as tf from '@tensorflow/tfjs';
import { assertFiniteMatrix } from './checkMatrix.js';
import type { Matrix } from './matrix.js';

/**
 * Linear CKA (Kornblith et al. 2019, eq. for the linear kernel) between two representations of the
 * same n probes, X (n×dX) and Y (n×dY), columns centered in float64:
 *   CKA = ‖XcᵀYc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F) = ⟨Kx, Ky⟩_F / (‖Kx‖_F ‖Ky‖_F),  K = Xc Xcᵀ.
 * 1 = same geometry up to rotation and scale; it falls as fine-tuning reshapes a layer. Uses the
 * n×n Gram form when n is small next to d, the feature form otherwise; centring and products run in
 * tfjs float32 (XNNPACK on wasm): CKA needs no tiny directions, so float32's ≈ 1e-6 relative error
 * is fine, unless a column's mean is ≳ 1e5× its spread (then centre in float64 before calling).
 * `null` when either side has no variance (n < 2, or every column constant). No tensor leaks.
 */
export function linearCka(X: Matrix, Y: Matrix): number | null {
  if (X.rows !== Y.rows) {
    throw new Error(`shape mismatch: X is ${X.rows}×${X.cols}, Y is ${Y.rows}×${Y.cols}; CKA compares two representations of the same probes (rows)`);
  }
  assertFiniteMatrix(X, 'X activations');
  assertFiniteMatrix(Y, 'Y activations');
  const n = X.rows;
  if (n < 2 || X.cols === 0 || Y.cols === 0) return null;
  const gramForm = n * (X.cols + Y.cols) <= X.cols * Y.cols;
  const [hsic, xx, yy] = tf.tidy(() => {
    // Centre in tfjs: float32 activations go in without a JS copy (means are float32 sums of n values).
    const tx = center(X);
    const ty = center(Y);
    // Explicit transposes: on wasm matMul's transpose flags fall back to a ~10x slower kernel.
    if (gramForm) {
      const kx = tf.matMul(tx, tf.transpose(tx)).dataSync();
      const ky = tf.matMul(ty, tf.transpose(ty)).dataSync();
      return [frobDot(kx, ky), frobDot(kx, kx), frobDot(ky, ky)];
    }
    const txT = tf.transpose(tx);
    const tyT = tf.transpose(ty);
    const cxy = tf.matMul(txT, ty).dataSync();
    const cxx = tf.matMul(txT, tx).dataSync();
    const cyy = tf.matMul(tyT, ty).dataSync();
    return [frobDot(cxy, cxy), frobDot(cxx, cxx), frobDot(cyy, cyy)];
  });
  const den = Math.sqrt(xx!) * Math.sqrt(yy!);
  if (!(den > 0)) return null;
  return Math.max(0, Math.min(1, hsic! / den));
}

/** Column-centred float32 tensor of a Matrix (call inside tf.tidy). */
function center(m: Matrix): tf.Tensor2D {
  const t = tf.tensor2d(m.data instanceof Float32Array ? m.data : Float32Array.from(m.data), [m.rows, m.cols]);
  return tf.sub(t, tf.mean(t, 0, true));
}

function frobDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
