import type { Matrix } from './matrix.js';
import { wasmHouseholderR } from './wasm/gramWasm.js';

/**
 * Singular values (descending) of a small-to-medium matrix by one-sided Jacobi (Hestenes 1958;
 * Demmel & Veselić 1992): high relative accuracy even for tiny values, which the sine formula of
 * principal angles needs (an eigenvalue route through MᵀM would only resolve sines above ≈ 1e-8).
 * A tall matrix is first reduced to its k×k triangular factor R by Householder QR (same singular values,
 * absolute accuracy ε‖M‖ as LAPACK's), so a d×k residual costs ≈ 2dk² + sweeps·k³, not sweeps·dk².
 */
export function singularValues(m: Matrix): number[] {
  // Orthogonalise the columns of the taller orientation (same singular values).
  const tall = m.rows >= m.cols;
  const len = tall ? m.rows : m.cols;
  const count = tall ? m.cols : m.rows;
  if (len > 2 * count) {
    // The kernel reads the columns from m itself: as cold JS (one call per one-shot `analyze`) the
    // column copy and the reflections ran interpreted and OSR-compiled on the main thread.
    const r = count > 0 ? wasmHouseholderR(m.data, tall ? m.cols : 1, tall ? 1 : m.cols, len, count) : null;
    return singularValues(r ? { rows: count, cols: count, data: r } : householderRJs(m));
  }
  const cols = columnsOf(m);
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

/**
 * The k×k upper-triangular R (row-major) of a Householder QR of the columns of m's taller orientation,
 * in plain JS: the fallback without WebAssembly, and the reference of the `householderR` kernel.
 */
export function householderRJs(m: Matrix): Matrix {
  return householderR(columnsOf(m), Math.max(m.rows, m.cols));
}

/** The columns of m's taller orientation (rows of m when it is wide), each as its own float64 array. */
function columnsOf(m: Matrix): Float64Array[] {
  const tall = m.rows >= m.cols;
  const len = tall ? m.rows : m.cols;
  const count = tall ? m.cols : m.rows;
  const cols: Float64Array[] = [];
  for (let j = 0; j < count; j++) {
    const v = new Float64Array(len);
    for (let i = 0; i < len; i++) v[i] = tall ? m.data[i * m.cols + j]! : m.data[j * m.cols + i]!;
    cols.push(v);
  }
  return cols;
}

/** The k×k upper-triangular R of a Householder QR of the columns `cols` (each of length `len`), row-major. */
function householderR(cols: Float64Array[], len: number): Matrix {
  const k = cols.length;
  for (let j = 0; j < k; j++) {
    const x = cols[j]!;
    let norm = 0;
    for (let i = j; i < len; i++) norm += x[i]! * x[i]!;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = x[j]! > 0 ? -norm : norm;
    // v = x[j:] − alpha·e₁, H = I − 2vvᵀ/(vᵀv); H x[j:] = alpha·e₁.
    const v = new Float64Array(len - j);
    for (let i = j; i < len; i++) v[i - j] = x[i]!;
    v[0] = v[0]! - alpha;
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i]! * v[i]!;
    if (vv === 0) continue;
    for (let c = j; c < k; c++) {
      const y = cols[c]!;
      let dot = 0;
      for (let i = j; i < len; i++) dot += v[i - j]! * y[i]!;
      const f = (2 * dot) / vv;
      for (let i = j; i < len; i++) y[i] = y[i]! - f * v[i - j]!;
    }
  }
  const r = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let c = i; c < k; c++) r[i * k + c] = cols[c]![i]!;
  return { rows: k, cols: k, data: r };
}
