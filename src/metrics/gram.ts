import type { Matrix } from './matrix.js';

/**
 * The Gram matrix of a Matrix in float64: `M Mᵀ` (side `rows`, n×n) or `Mᵀ M` (side `cols`, d×d),
 * row-major, symmetric. Float64 on purpose: a float32 Gram squares the dynamic range and loses every
 * direction with σ/σ₁ below ≈ √(n·6e-8) (DESIGN.md pitfalls), which is exactly the steep spectrum a
 * dominant common shift produces. Plain loops, 4 dot products at a time over column blocks that stay
 * in cache.
 */
export function gram(m: Matrix, side: 'rows' | 'cols'): Float64Array {
  return side === 'rows' ? rowGram(m.data, m.rows, m.cols) : colGram(m.data, m.rows, m.cols);
}

const BLOCK = 512;

function rowGram(a: Float32Array | Float64Array, n: number, d: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let c0 = 0; c0 < d; c0 += BLOCK) {
    const c1 = Math.min(d, c0 + BLOCK);
    for (let i = 0; i < n; i++) {
      const ri = i * d;
      let j = 0;
      for (; j + 3 <= i; j += 4) {
        const r0 = j * d;
        const r1 = r0 + d;
        const r2 = r1 + d;
        const r3 = r2 + d;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let c = c0; c < c1; c++) {
          const x = a[ri + c]!;
          s0 += x * a[r0 + c]!;
          s1 += x * a[r1 + c]!;
          s2 += x * a[r2 + c]!;
          s3 += x * a[r3 + c]!;
        }
        g[i * n + j] = g[i * n + j]! + s0;
        g[i * n + j + 1] = g[i * n + j + 1]! + s1;
        g[i * n + j + 2] = g[i * n + j + 2]! + s2;
        g[i * n + j + 3] = g[i * n + j + 3]! + s3;
      }
      for (; j <= i; j++) {
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
  // Σ_r outer(row_r, row_r), lower triangle, row by row: each row of `a` is read once per column.
  const g = new Float64Array(d * d);
  for (let r = 0; r < n; r++) {
    const base = r * d;
    for (let i = 0; i < d; i++) {
      const x = a[base + i]!;
      if (x === 0) continue;
      const gi = i * d;
      for (let j = 0; j <= i; j++) g[gi + j] = g[gi + j]! + x * a[base + j]!;
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) g[j * d + i] = g[i * d + j]!;
  return g;
}
