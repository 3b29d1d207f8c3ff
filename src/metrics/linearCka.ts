import * as tf from '@tensorflow/tfjs';
import { assertFiniteMatrix } from './checkMatrix.js';
import type { Matrix } from './matrix.js';

/**
 * Linear CKA (Kornblith et al. 2019, eq. for the linear kernel) between two representations of the
 * same n probes, X (n×dX) and Y (n×dY), columns centered in float64:
 *   CKA = ‖XcᵀYc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F) = ⟨Kx, Ky⟩_F / (‖Kx‖_F ‖Ky‖_F),  K = Xc Xcᵀ.
 * 1 = same geometry up to rotation and scale; it falls as fine-tuning reshapes a layer. Uses the
 * n×n Gram form when n is small next to d (tfjs float32 products, XNNPACK on wasm: a Gram needs no
 * tiny directions, so float32's ≈ 1e-6 relative error is fine), the feature form otherwise.
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
  const xc = centered(X);
  const yc = centered(Y);
  const gramForm = n * (X.cols + Y.cols) <= X.cols * Y.cols;
  const [hsic, xx, yy] = tf.tidy(() => {
    const tx = tf.tensor2d(xc, [n, X.cols]);
    const ty = tf.tensor2d(yc, [n, Y.cols]);
    // Explicit transposes: on wasm matMul's transpose flags fall back to a ~10x slower kernel.
    if (gramForm) {
      const kx = tf.matMul(tx, tf.transpose(tx));
      const ky = tf.matMul(ty, tf.transpose(ty));
      return [frobDot(kx.dataSync(), ky.dataSync()), frobDot(kx.dataSync(), kx.dataSync()), frobDot(ky.dataSync(), ky.dataSync())];
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

/** Column-centered copy as float32 (means taken in float64), ready for a tfjs tensor. */
function centered(m: Matrix): Float32Array {
  const { rows, cols, data } = m;
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] = mean[c]! + data[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c] = mean[c]! / rows;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = data[r * cols + c]! - mean[c]!;
  return out;
}

function frobDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
