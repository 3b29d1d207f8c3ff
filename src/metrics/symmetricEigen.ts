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

// V is stored transposed relative to JAMA (V[a*n+b] = JAMA V[b][a]), as in ml-matrix, so that the
// inner loops run along contiguous memory and row i ends up holding eigenvector i.
function tred2(n: number, e: Float64Array, d: Float64Array, V: Float64Array): void {
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
      for (let j = 0; j < i; j++) {
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
      for (let j = 0; j < i; j++) {
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

function tql2(n: number, e: Float64Array, d: Float64Array, V: Float64Array): void {
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
        let r = Math.hypot(p, 1);
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
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
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
