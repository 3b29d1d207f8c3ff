import type { Matrix } from './matrix.js';

/**
 * Singular values (descending) of a small-to-medium matrix by one-sided Jacobi (Hestenes 1958;
 * Demmel & Veselić 1992): high relative accuracy even for tiny values, which the sine formula of
 * principal angles needs (an eigenvalue route through MᵀM would only resolve sines above ≈ 1e-8).
 * Cost ≈ sweeps · rows · cols²: meant for d×k bases and k×k products, not for activations.
 */
export function singularValues(m: Matrix): number[] {
  // Orthogonalise the columns of the taller orientation (same singular values).
  const tall = m.rows >= m.cols;
  const len = tall ? m.rows : m.cols;
  const count = tall ? m.cols : m.rows;
  const cols: Float64Array[] = [];
  for (let j = 0; j < count; j++) {
    const v = new Float64Array(len);
    for (let i = 0; i < len; i++) v[i] = tall ? m.data[i * m.cols + j]! : m.data[j * m.cols + i]!;
    cols.push(v);
  }
  const eps = Number.EPSILON;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < count - 1; p++) {
      const a = cols[p]!;
      for (let q = p + 1; q < count; q++) {
        const b = cols[q]!;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < len; i++) {
          const x = a[i]!;
          const y = b[i]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < len; i++) {
          const x = a[i]!;
          const y = b[i]!;
          a[i] = c * x - s * y;
          b[i] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  return cols.map((v) => Math.hypot(...v)).sort((x, y) => y - x);
}
