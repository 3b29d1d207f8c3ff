import type { DeltaOf } from './deltaOf.js';
import type { Matrix } from './matrix.js';
import { subtractMatrices } from './subtractMatrices.js';
import { copyRows, wasmColumnGram, wasmDeltaGram, wasmGram } from './wasm/gramWasm.js';

/**
 * The Gram matrix of a Matrix in float64: `M Mᵀ` (side `rows`, n×n) or `Mᵀ M` (side `cols`, d×d),
 * row-major, symmetric. Float64 on purpose: a float32 Gram squares the dynamic range and loses every
 * direction with σ/σ₁ below ≈ √(n·6e-8) (DESIGN.md pitfalls), which is exactly the steep spectrum a
 * dominant common shift produces. JS has no float64 SIMD, so above a few thousand multiply-adds this
 * runs the WebAssembly SIMD kernel (`wasmGram`, f64x2 lanes in 3×3 register tiles: 20 ms against 70
 * ms for `gramJs` at 256×4096, and faster down to 16×16, copy and call included); `gramJs` where
 * WebAssembly SIMD is unavailable.
 */
export function gram(m: Matrix, side: 'rows' | 'cols'): Float64Array {
  const { rows: n, cols: d, data } = m;
  const size = side === 'rows' ? n : d;
  if (size * size * (side === 'rows' ? d : n) >= WASM_MIN_WORK) {
    const g = side === 'rows' ? wasmGram(n, d, 'float64', copyRows(data, n, d)) : wasmColumnGram(data, n, d);
    if (g) return g;
  }
  return gramJs(m, side);
}

/**
 * `gram(after − before, 'rows')` for a delta given by its two sets: where `gram` runs the kernel, the
 * delta is formed in kernel memory (`wasmDeltaGram`: same layout, same bits), never in JS.
 */
export function deltaRowGram(delta: DeltaOf): Float64Array {
  const { rows: n, cols: d } = delta.after;
  const g = n * n * d >= WASM_MIN_WORK ? wasmDeltaGram({ after: delta.after.data, before: delta.before.data }, n, d) : null;
  return g ?? gram(subtractMatrices(delta.after, delta.before), 'rows');
}

/**
 * side² × length at or above which `gram` calls the wasm kernel: measured warm at 8×8 (512) JS took
 * 0.9 µs against 2.4 µs for the kernel's fixed cost, from 16×16 (4096) on the kernel was ahead.
 */
const WASM_MIN_WORK = 4096;

/**
 * `gram` in plain JS, register-tiled: the fallback where WebAssembly SIMD is unavailable, and the
 * reference the wasm kernel is tested against.
 */
export function gramJs(m: Matrix, side: 'rows' | 'cols'): Float64Array {
  return side === 'rows' ? rowGram(m.data, m.rows, m.cols) : colGram(m.data, m.rows, m.cols);
}

const BLOCK = 256;

// Lower triangle in 2×4 register tiles (8 accumulators: what fits in x64's 16 float registers next
// to the 6 loads), over column blocks that keep the 6 rows in L1; then mirrored.
function rowGram(a: Float32Array | Float64Array, n: number, d: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let c0 = 0; c0 < d; c0 += BLOCK) {
    const c1 = Math.min(d, c0 + BLOCK);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const ri0 = i * d;
      const ri1 = ri0 + d;
      let j = 0;
      for (; j + 3 <= i + 1; j += 4) {
        const r0 = j * d;
        const r1 = r0 + d;
        const r2 = r1 + d;
        const r3 = r2 + d;
        let s00 = 0,
          s01 = 0,
          s02 = 0,
          s03 = 0,
          s10 = 0,
          s11 = 0,
          s12 = 0,
          s13 = 0;
        for (let c = c0; c < c1; c++) {
          const x0 = a[ri0 + c]!;
          const x1 = a[ri1 + c]!;
          const y0 = a[r0 + c]!;
          const y1 = a[r1 + c]!;
          const y2 = a[r2 + c]!;
          const y3 = a[r3 + c]!;
          s00 += x0 * y0;
          s01 += x0 * y1;
          s02 += x0 * y2;
          s03 += x0 * y3;
          s10 += x1 * y0;
          s11 += x1 * y1;
          s12 += x1 * y2;
          s13 += x1 * y3;
        }
        const g0 = i * n + j;
        const g1 = g0 + n;
        g[g0] = g[g0]! + s00;
        g[g0 + 1] = g[g0 + 1]! + s01;
        g[g0 + 2] = g[g0 + 2]! + s02;
        g[g0 + 3] = g[g0 + 3]! + s03;
        g[g1] = g[g1]! + s10;
        g[g1 + 1] = g[g1 + 1]! + s11;
        g[g1 + 2] = g[g1 + 2]! + s12;
        g[g1 + 3] = g[g1 + 3]! + s13;
      }
      for (; j <= i + 1; j++) {
        const rj = j * d;
        let s0 = 0;
        let s1 = 0;
        for (let c = c0; c < c1; c++) {
          const y = a[rj + c]!;
          s0 += a[ri0 + c]! * y;
          s1 += a[ri1 + c]! * y;
        }
        g[i * n + j] = g[i * n + j]! + s0;
        g[(i + 1) * n + j] = g[(i + 1) * n + j]! + s1;
      }
    }
    for (; i < n; i++) {
      const ri = i * d;
      for (let j = 0; j <= i; j++) {
        const rj = j * d;
        let s = 0;
        for (let c = c0; c < c1; c++) s += a[ri + c]! * a[rj + c]!;
        g[i * n + j] = g[i * n + j]! + s;
      }
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[j * n + i] = g[i * n + j]!;
  return g;
}

function colGram(a: Float32Array | Float64Array, n: number, d: number): Float64Array {
  // MᵀM = (Mᵀ)(Mᵀ)ᵀ: transpose once (n·d copies) so the register-tiled row kernel runs on
  // contiguous columns; measured ≈ 2x faster than accumulating n outer products into the d×d result.
  const t = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const base = r * d;
    for (let c = 0; c < d; c++) t[c * n + r] = a[base + c]!;
  }
  return rowGram(t, d, n);
}
