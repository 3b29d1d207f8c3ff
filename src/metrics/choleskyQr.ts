import { gram } from './gram.js';
import type { Matrix } from './matrix.js';
import { tiledProduct } from './tiledProduct.js';
import { wasmInverseCholeskyFactor } from './wasm/gramWasm.js';

/**
 * The Q factor (d×k, float64, orthonormal columns) of a thin QR of a well-conditioned d×k matrix,
 * by CholeskyQR2 (Yamamoto, Nakatsukasa, Yanagisawa, Fukaya 2015): twice G = QᵀQ = RᵀR, Q ← Q R⁻¹,
 * which leaves ‖QᵀQ − I‖ ≈ ε for cond(m) up to ≈ 1e5 (the check below). The same Q as Gram–Schmidt
 * (R's diagonal is positive in both, so the factor is unique) up to rounding, but made of one k×k
 * Gram and one d×k·k×k product per pass, both in the WebAssembly kernels: ≈ 1000x less JS than
 * modified Gram–Schmidt twice at 4096×216. `null` when a pivot shows the columns (nearly) dependent:
 * then use `orthonormalColumns`, which drops them.
 */
export function choleskyQr(m: Matrix): Matrix | null {
  const { rows: d, cols: k } = m;
  if (k === 0 || k > d) return null;
  let q: Float64Array = m.data instanceof Float64Array ? m.data : Float64Array.from(m.data);
  for (let pass = 0; pass < 2; pass++) {
    const rInv = inverseCholeskyFactor(gram({ rows: d, cols: k, data: q }, 'cols'), k);
    if (!rInv) return null;
    q = tiledProduct(q, d, k, k, 1, rInv, k);
  }
  return { rows: d, cols: k, data: q };
}

/**
 * R⁻¹ (k×k upper triangular, row-major) for the Cholesky factor G = RᵀR of a symmetric positive
 * definite G; `null` when a pivot falls below `minPivot` of its diagonal entry, i.e. a column of the
 * matrix behind G keeps less than that share of its squared norm outside the previous columns' span.
 */
export function inverseCholeskyFactor(g: Float64Array, k: number, minPivot = 1e-10): Float64Array | null {
  // From k ≈ 32 the kernel (same operations, same bits) beats the JS loops, which a cold process
  // mostly runs interpreted: 18–40 ms at k = 217 (a 90 % share's random control), ≈ 10 warm.
  if (k >= 32) {
    const viaKernel = wasmInverseCholeskyFactor(g, k, minPivot);
    if (viaKernel !== undefined) return viaKernel;
  }
  return inverseCholeskyFactorJs(g, k, minPivot);
}

/** `inverseCholeskyFactor` in plain JS: below k = 32, without WebAssembly, and the kernel's reference in the tests. */
export function inverseCholeskyFactorJs(g: Float64Array, k: number, minPivot = 1e-10): Float64Array | null {
  // L (lower, row-major) with G = L Lᵀ, so R = Lᵀ.
  const l = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let s = g[j * k + j]!;
    for (let p = 0; p < j; p++) s -= l[j * k + p]! * l[j * k + p]!;
    if (!(s > minPivot * g[j * k + j]!)) return null;
    const ljj = Math.sqrt(s);
    l[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let t = g[i * k + j]!;
      for (let p = 0; p < j; p++) t -= l[i * k + p]! * l[j * k + p]!;
      l[i * k + j] = t / ljj;
    }
  }
  // X = L⁻¹ by forward substitution, column by column; R⁻¹ = (L⁻¹)ᵀ.
  const rInv = new Float64Array(k * k);
  const x = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    x.fill(0);
    for (let i = c; i < k; i++) {
      let s = i === c ? 1 : 0;
      for (let p = c; p < i; p++) s -= l[i * k + p]! * x[p]!;
      x[i] = s / l[i * k + i]!;
    }
    for (let i = c; i < k; i++) rInv[c * k + i] = x[i]!; // (L⁻¹)[i][c] → R⁻¹[c][i]
  }
  return rInv;
}
