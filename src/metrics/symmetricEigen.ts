import { tiledProduct } from './tiledProduct.js';
import {
  wasmApplyReflectors,
  wasmHouseholderReduce,
  wasmResidualWithin,
  wasmTql2Values,
  wasmTransposed,
  wasmTridiagonalEigenvectors,
} from './wasm/gramWasm.js';

/** Eigen-decomposition of a real symmetric matrix, eigenvalues in descending order. */
export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Row-major n×n: row i is the unit eigenvector of `values[i]`. */
  vectors: Float64Array;
}

/**
 * Householder tridiagonalisation + implicit QL (EISPACK tred2/tql2 via JAMA, the algorithm ml-matrix
 * uses) on a flat Float64Array. Ported because ml-matrix's version goes through `Matrix.get/set`
 * and took 174 ms at n=256 (DESIGN.md table); this one keeps each eigenvector contiguous.
 * `a` is row-major n×n and only read; the result is exact to float64 rounding (|error| ≈ n·eps·‖A‖).
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n * n} values for ${n}×${n}, got ${a.length}`);
  const V = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: V };
  tred2(n, e, d, V);
  tql2(n, e, d, V);
  // tql2 sorts ascending; flip to descending.
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const src = n - 1 - i;
    values[i] = d[src]!;
    vectors.set(V.subarray(src * n, src * n + n), i * n);
  }
  return { values, vectors };
}

/**
 * All eigenvalues (descending) but only the eigenvectors of the `count` largest: tred2's Householder
 * reduction, then QL on the tridiagonal T for the values only (O(n²)), inverse iteration on T for the
 * wanted vectors (re-orthogonalised within clusters, as LAPACK dstein) and the back-transform by
 * applying the stored reflectors to those vectors (n² each). Skips tql2's vector rotations and
 * tred2's accumulation of Q (together the bulk of a dense solve: 34 → 20 ms CPU at n = 256). Every vector is checked against `a`
 * (residual ≤ 1e-10·|λ₁|); if one fails, the full `symmetricEigen` runs instead. `vectors` holds
 * `count` rows. `count` may be a function of all eigenvalues (descending), called once they are
 * known: a PCA that picks k by explained variance then needs one reduction, not two.
 */
export function symmetricEigenTop(a: Float64Array, n: number, count: number | ((values: Float64Array) => number)): SymmetricEigen {
  if (n <= 2 || (typeof count === 'number' && count >= n)) return symmetricEigen(a, n);
  const V = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // Reduction only: the reflectors stay in V (row i holds uᵢ, d[i] its hᵢ); forming Q explicitly (the
  // other half of tred2's work) is replaced by applying the reflectors to the `count` wanted vectors.
  if (!wasmHouseholderReduce(n, e, d, V)) householderReduce(n, e, d, V);
  const h = Float64Array.from(d);
  for (let j = 0; j < n; j++) d[j] = V[j * n + j]!;
  e[0] = 0;
  const diag = Float64Array.from(d);
  const off = new Float64Array(n - 1); // T[i][i+1]
  for (let i = 0; i + 1 < n; i++) off[i] = e[i + 1]!;
  if (!wasmTql2Values(n, e, d)) tql2(n, e, d, null);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = d[n - 1 - i]!;
  const want = Math.max(0, Math.min(typeof count === 'function' ? count(values) : count, n));
  if (want === n) return symmetricEigen(a, n);
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(diag[i]!) + Math.abs(off[i] ?? 0) + Math.abs(off[i - 1] ?? 0));
  if (norm === 0) return symmetricEigen(a, n);
  const vectors =
    wasmTridiagonalEigenvectors(diag, off, values, want, Number.EPSILON * norm, 1e-3 * norm) ?? tridiagonalEigenvectors(diag, off, values, want, norm);
  if (!wasmApplyReflectors(n, V, h, vectors, want)) applyReflectors(n, V, h, vectors, want);
  // Check Au = λu against the input itself, all vectors in one tiled product (A·[u₀ … u_{w−1}]);
  // anything off means a corner case: solve densely.
  // The transpose and the check run in kernels where available: as cold JS their n·want iterations
  // (55 K at a 90 % share's k = 217) made a one-shot `analyze` OSR-compile this function.
  const cols = wasmTransposed(vectors, want, n) ?? transposedJs(vectors, want, n);
  const image = tiledProduct(a, n, n, n, 1, cols, want);
  const limit = 1e-10 * Math.abs(values[0]!);
  const within = wasmResidualWithin(image, cols, values, n, want, limit) ?? residualWithinJs(image, cols, values, n, want, limit);
  return within ? { values, vectors } : symmetricEigen(a, n);
}

/** The transpose (cols×rows) of rows×cols row-major data, in plain JS (the fallback of `wasmTransposed`). */
function transposedJs(data: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < rows; j++) for (let r = 0; r < cols; r++) out[r * rows + j] = data[j * cols + r]!;
  return out;
}

/** |image − values·cols| ≤ limit everywhere (NaN fails), in plain JS (the fallback of `wasmResidualWithin`). */
function residualWithinJs(image: Float64Array, cols: Float64Array, values: Float64Array, n: number, want: number, limit: number): boolean {
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < want; j++) {
      if (!(Math.abs(image[r * want + j]! - values[j]! * cols[r * want + j]!) <= limit)) return false;
    }
  }
  return true;
}

/**
 * x = Q z for each of the `count` vectors (rows of n in `vectors`, in place), Q = P_{n−1} ⋯ P₁,
 * Pᵢ = I − uᵢuᵢᵀ/hᵢ acting on components 0..i−1 (uᵢ in row i of V): apply P₁ first. The JS route of
 * `wasmApplyReflectors` (where WebAssembly SIMD is unavailable).
 */
function applyReflectors(n: number, V: Float64Array, h: Float64Array, vectors: Float64Array, count: number): void {
  for (let j = 0; j < count; j++) {
    const u = vectors.subarray(j * n, j * n + n);
    for (let i = 1; i < n; i++) {
      const hi = h[i]!;
      if (hi === 0) continue;
      const row = i * n;
      let s = 0;
      for (let c = 0; c < i; c++) s += V[row + c]! * u[c]!;
      const f = s / hi;
      if (f === 0) continue;
      for (let c = 0; c < i; c++) u[c] = u[c]! - f * V[row + c]!;
    }
  }
}

/** The JS route of `wasmTridiagonalEigenvectors`: the first `want` eigenvectors of T as rows. */
function tridiagonalEigenvectors(diag: Float64Array, off: Float64Array, values: Float64Array, want: number, norm: number): Float64Array {
  const n = diag.length;
  const zs: Float64Array[] = [];
  let clusterStart = 0;
  for (let j = 0; j < want; j++) {
    if (j > 0 && Math.abs(values[j]! - values[j - 1]!) > 1e-3 * norm) clusterStart = j;
    zs.push(inverseIteration(diag, off, values[j]!, norm, zs.slice(clusterStart), j));
  }
  const vectors = new Float64Array(want * n);
  for (let j = 0; j < want; j++) vectors.set(zs[j]!, j * n);
  return vectors;
}

/**
 * Unit eigenvector of the symmetric tridiagonal (diag, off) for the eigenvalue `lambda`: three steps of
 * inverse iteration with a pivoted LU of T − λI (zero pivots replaced by ε‖T‖), Gram–Schmidt against
 * the vectors already found in the same cluster.
 */
function inverseIteration(diag: Float64Array, off: Float64Array, lambda: number, norm: number, cluster: Float64Array[], seed: number): Float64Array {
  const n = diag.length;
  const tiny = Number.EPSILON * norm;
  // LU with partial pivoting of the tridiagonal T − λI: U has three diagonals u0, u1, u2.
  const u0 = new Float64Array(n);
  const u1 = new Float64Array(n);
  const u2 = new Float64Array(n);
  const mult = new Float64Array(n);
  const swapped = new Uint8Array(n);
  let a0 = diag[0]! - lambda;
  let a1 = n > 1 ? off[0]! : 0;
  let a2 = 0;
  for (let i = 0; i + 1 < n; i++) {
    const b0 = off[i]!;
    const b1 = diag[i + 1]! - lambda;
    const b2 = i + 2 < n ? off[i + 1]! : 0;
    if (Math.abs(a0) >= Math.abs(b0)) {
      if (a0 === 0) a0 = tiny;
      const l = b0 / a0;
      u0[i] = a0;
      u1[i] = a1;
      u2[i] = a2;
      mult[i] = l;
      a0 = b1 - l * a1;
      a1 = b2 - l * a2;
    } else {
      const l = a0 / b0;
      u0[i] = b0;
      u1[i] = b1;
      u2[i] = b2;
      mult[i] = l;
      swapped[i] = 1;
      a0 = a1 - l * b1;
      a1 = a2 - l * b2;
    }
    a2 = 0;
  }
  u0[n - 1] = a0 === 0 ? tiny : a0;
  for (let i = 0; i < n; i++) if (Math.abs(u0[i]!) < tiny) u0[i] = u0[i]! < 0 ? -tiny : tiny;
  // Deterministic start vector (LAPACK starts from random too).
  let state = (0x9e3779b9 ^ (seed * 0x85ebca6b)) >>> 0;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    x[i] = state / 4294967296 - 0.5;
  }
  for (let iter = 0; iter < 3; iter++) {
    // Forward: apply the row swaps and multipliers; back-substitute through U.
    for (let i = 0; i + 1 < n; i++) {
      if (swapped[i]) {
        const t = x[i]!;
        x[i] = x[i + 1]!;
        x[i + 1] = t;
      }
      x[i + 1] = x[i + 1]! - mult[i]! * x[i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i]!;
      if (i + 1 < n) s -= u1[i]! * x[i + 1]!;
      if (i + 2 < n) s -= u2[i]! * x[i + 2]!;
      x[i] = s / u0[i]!;
    }
    for (let qi = 0; qi < cluster.length; qi++) {
      const q = cluster[qi]!;
      let dot = 0;
      for (let i = 0; i < n; i++) dot += q[i]! * x[i]!;
      for (let i = 0; i < n; i++) x[i] = x[i]! - dot * q[i]!;
    }
    let len = 0;
    for (let i = 0; i < n; i++) len += x[i]! * x[i]!;
    len = Math.sqrt(len);
    if (!(len > 0) || !Number.isFinite(len)) {
      x.fill(0);
      x[seed % n] = 1;
      continue;
    }
    for (let i = 0; i < n; i++) x[i] = x[i]! / len;
  }
  return x;
}

// V is stored transposed relative to JAMA (V[a*n+b] = JAMA V[b][a]), as in ml-matrix, so that the
// inner loops run along contiguous memory and row i ends up holding eigenvector i.
function tred2(n: number, e: Float64Array, d: Float64Array, V: Float64Array): void {
  householderReduce(n, e, d, V);
  accumulateReflectors(n, e, d, V);
}

/**
 * tred2's first half: Householder reduction to tridiagonal form. Leaves the reflector of step i in
 * V[i·n + 0..i−1] (uᵢ, with Pᵢ = I − uᵢuᵢᵀ/hᵢ), hᵢ in d[i], the off-diagonal in e and the diagonal on
 * V's diagonal.
 */
function householderReduce(n: number, e: Float64Array, d: Float64Array, V: Float64Array): void {
  let f: number, g: number, h: number, hh: number, scale: number;
  for (let j = 0; j < n; j++) d[j] = V[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    scale = 0;
    h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + i - 1]!;
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      f = d[i - 1]!;
      g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // e = A·d over the lower triangle (each element read once, two multiply-adds), two rows at a
      // time so that e[k] and d[k] are loaded once per pair (≈ 1.3x on this, the reduction's hot loop).
      let j = 0;
      for (; j + 1 < i; j += 2) {
        const f0 = d[j]!;
        const f1 = d[j + 1]!;
        V[i * n + j] = f0;
        V[i * n + j + 1] = f1;
        const r0 = j * n;
        const r1 = r0 + n;
        const v01 = V[r0 + j + 1]!;
        let g0 = e[j]! + V[r0 + j]! * f0 + v01 * f1;
        e[j + 1] = e[j + 1]! + v01 * f0;
        let g1 = e[j + 1]! + V[r1 + j + 1]! * f1;
        for (let k = j + 2; k < i; k++) {
          const v0 = V[r0 + k]!;
          const v1 = V[r1 + k]!;
          const dk = d[k]!;
          g0 += v0 * dk;
          g1 += v1 * dk;
          e[k] = e[k]! + v0 * f0 + v1 * f1;
        }
        e[j] = g0;
        e[j + 1] = g1;
      }
      for (; j < i; j++) {
        f = d[j]!;
        V[i * n + j] = f;
        const row = j * n;
        g = e[j]! + V[row + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = V[row + k]!;
          g += v * d[k]!;
          e[k] = e[k]! + v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      // Rank-2 update A −= d·eᵀ + e·dᵀ (lower triangle), also two rows at a time.
      for (j = 0; j + 1 < i; j += 2) {
        const f0 = d[j]!;
        const g0 = e[j]!;
        const f1 = d[j + 1]!;
        const g1 = e[j + 1]!;
        const r0 = j * n;
        const r1 = r0 + n;
        V[r0 + j] = V[r0 + j]! - (f0 * g0 + g0 * f0);
        for (let k = j + 1; k < i; k++) {
          const ek = e[k]!;
          const dk = d[k]!;
          V[r0 + k] = V[r0 + k]! - (f0 * ek + g0 * dk);
          V[r1 + k] = V[r1 + k]! - (f1 * ek + g1 * dk);
        }
        d[j] = V[r0 + i - 1]!;
        V[r0 + i] = 0;
        d[j + 1] = V[r1 + i - 1]!;
        V[r1 + i] = 0;
      }
      for (; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const row = j * n;
        for (let k = j; k <= i - 1; k++) V[row + k] = V[row + k]! - (f * e[k]! + g * d[k]!);
        d[j] = V[row + i - 1]!;
        V[row + i] = 0;
      }
    }
    d[i] = h;
  }
}

/** tred2's second half: forms Q = P_{n−1} ⋯ P₁ in V (row i = column i of Q) and the diagonal in d. */
function accumulateReflectors(n: number, e: Float64Array, d: Float64Array, V: Float64Array): void {
  let g: number, h: number;
  for (let i = 0; i < n - 1; i++) {
    V[i * n + n - 1] = V[i * n + i]!;
    V[i * n + i] = 1;
    h = d[i + 1]!;
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[next + k]! / h;
      for (let j = 0; j <= i; j++) {
        const row = j * n;
        g = 0;
        for (let k = 0; k <= i; k++) g += V[next + k]! * V[row + k]!;
        for (let k = 0; k <= i; k++) V[row + k] = V[row + k]! - g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[j * n + n - 1]!;
    V[j * n + n - 1] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

function tql2(n: number, e: Float64Array, d: Float64Array, V: Float64Array | null): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error('symmetricEigen: QL iteration did not converge (non-finite input?)');
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (V === null) continue; // eigenvalues only
          const r0 = i * n;
          const r1 = r0 + n;
          for (let k = 0; k < n; k++) {
            const hv = V[r1 + k]!;
            const v = V[r0 + k]!;
            V[r1 + k] = s * v + c * hv;
            V[r0 + k] = c * v - s * hv;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  // Selection sort ascending (as JAMA), swapping eigenvector rows.
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i]!;
    for (let j = i + 1; j < n; j++) {
      if (d[j]! < p) {
        k = j;
        p = d[j]!;
      }
    }
    if (k !== i) {
      d[k] = d[i]!;
      d[i] = p;
      if (V === null) continue;
      const ri = i * n;
      const rk = k * n;
      for (let j = 0; j < n; j++) {
        const t = V[ri + j]!;
        V[ri + j] = V[rk + j]!;
        V[rk + j] = t;
      }
    }
  }
}

/**
 * √(a² + b²) without overflow or underflow (LAPACK dlapy2). `Math.hypot` is variadic and was the
 * single largest cost of the QL sweep (≈ 40 % of a 64×64 top-k solve).
 */
function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const big = x > y ? x : y;
  if (big === 0) return 0;
  const ratio = (x > y ? y : x) / big;
  return big * Math.sqrt(1 + ratio * ratio);
}
