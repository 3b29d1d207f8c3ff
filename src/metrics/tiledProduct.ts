import { wasmProduct } from './wasm/gramWasm.js';

/**
 * out (m×k, row-major, float64) = A·B, A m×t read through strides (A[i][s] = a[i·ai + s·as]), B t×k
 * row-major. One kernel for the products the metrics need on activation data without copying it:
 * Δᵀ·W (ai = 1, as = d) and Δ·Q (ai = d, as = 1). 2×4 register tiles (eight accumulators, six loads
 * per eight multiply-adds, no store inside the loop) in JS, where JS has no float64 SIMD (≈ 5x faster
 * than an axpy/scatter loop); above `WASM_MIN_WORK` the WebAssembly SIMD kernel (`wasmProduct`).
 */
export function tiledProduct(
  a: ArrayLike<number>,
  m: number,
  t: number,
  ai: number,
  as: number,
  b: ArrayLike<number>,
  k: number,
  out = new Float64Array(m * k),
): Float64Array {
  return (m * t * k >= WASM_MIN_WORK && wasmProduct(a, m, t, ai, as, b, k, out)) || tiledProductJs(a, m, t, ai, as, b, k, out);
}

/**
 * Multiply-adds from which `tiledProduct` runs the WebAssembly SIMD kernel (copies of A and B
 * included): measured even at 16×64×16 (20 µs), 2.6x ahead at 128×64×8, and at 256×4096 Δ·Q (32
 * columns) 6.6 ms against 22 ms, Δᵀ·W (16 columns) 6.3 against 11.
 */
export const WASM_MIN_WORK = 32768;

/** `tiledProduct` in plain JS: the fallback without WebAssembly SIMD, small products, and the tests' reference. */
export function tiledProductJs(
  a: ArrayLike<number>,
  m: number,
  t: number,
  ai: number,
  as: number,
  b: ArrayLike<number>,
  k: number,
  out = new Float64Array(m * k),
): Float64Array {
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = i * ai;
    const a1 = a0 + ai;
    let j = 0;
    for (; j + 3 < k; j += 4) {
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      for (let s = 0, p = 0, q = j; s < t; s++, p += as, q += k) {
        const x0 = a[a0 + p]!;
        const x1 = a[a1 + p]!;
        const w0 = b[q]!;
        const w1 = b[q + 1]!;
        const w2 = b[q + 2]!;
        const w3 = b[q + 3]!;
        s00 += x0 * w0;
        s01 += x0 * w1;
        s02 += x0 * w2;
        s03 += x0 * w3;
        s10 += x1 * w0;
        s11 += x1 * w1;
        s12 += x1 * w2;
        s13 += x1 * w3;
      }
      const o0 = i * k + j;
      const o1 = o0 + k;
      out[o0] = s00;
      out[o0 + 1] = s01;
      out[o0 + 2] = s02;
      out[o0 + 3] = s03;
      out[o1] = s10;
      out[o1 + 1] = s11;
      out[o1 + 2] = s12;
      out[o1 + 3] = s13;
    }
    for (; j < k; j++) {
      let s0 = 0;
      let s1 = 0;
      for (let s = 0, p = 0, q = j; s < t; s++, p += as, q += k) {
        s0 += a[a0 + p]! * b[q]!;
        s1 += a[a1 + p]! * b[q]!;
      }
      out[i * k + j] = s0;
      out[(i + 1) * k + j] = s1;
    }
  }
  for (; i < m; i++) {
    const a0 = i * ai;
    for (let j = 0; j < k; j++) {
      let s0 = 0;
      for (let s = 0, p = 0, q = j; s < t; s++, p += as, q += k) s0 += a[a0 + p]! * b[q]!;
      out[i * k + j] = s0;
    }
  }
  return out;
}
