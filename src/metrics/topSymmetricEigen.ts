import { mulberry32 } from './mulberry32.js';
import { symmetricEigenTop, type SymmetricEigen } from './symmetricEigen.js';

/** Leading eigenpairs of a symmetric matrix; `complete` when every eigenvalue was computed. */
export interface TopSymmetricEigen extends SymmetricEigen {
  /** True when `values` holds all m eigenvalues (dense solver); else only the converged leading ones. `vectors` has at least `count` rows either way. */
  complete: boolean;
}

/**
 * Dense solve up to this size: `symmetricEigenTop` (Householder + QL values + inverse iteration) took
 * 33 ms CPU at m = 256 against 38 ms for a converging Krylov run (bench data), and is exact; since
 * it applies the reflectors to the wanted vectors only, 11 ms.
 */
const DENSE_LIMIT = 256;

/**
 * The `count` largest eigenpairs of a symmetric positive semi-definite m×m matrix `a` (row-major),
 * by block Krylov iteration with Rayleigh–Ritz (randomised block Krylov, Musco & Musco 2015; the block
 * of `count + 8` vectors also resolves eigenvalues of multiplicity up to that size). Extends the
 * Krylov space one block at a time until every wanted Ritz pair has residual ‖Ax − θx‖ ≤ `relTol`·θ₁
 * (√relTol for the last `valueOnly` pairs, read as values only), and falls back to the dense
 * `symmetricEigenTop` when the space would exceed min(m/2, 8 blocks) (flat spectrum: no gap, slow
 * convergence) or m is small. Deterministic (fixed start block). Float64 throughout.
 */
export function topSymmetricEigen(a: Float64Array, m: number, count: number, relTol = 1e-11, valueOnly = 0): TopSymmetricEigen {
  const want = Math.min(count, m);
  if (m <= DENSE_LIMIT || 4 * (want + 8) > m) return { ...symmetricEigenTop(a, m, want), complete: true };
  const block = want + 8;
  const rand = mulberry32(0x5eed);
  const basis: Float64Array[] = []; // orthonormal Krylov basis vectors (length m)
  const images: Float64Array[] = []; // a · basis[i]
  let next: Float64Array[] = Array.from({ length: block }, () => Float64Array.from({ length: m }, () => rand() - 0.5));
  const maxBasis = Math.min(m / 2, 8 * block);
  while (basis.length + block <= maxBasis) {
    const added = orthonormaliseInto(basis, next);
    if (added.length === 0) break; // Krylov space invariant: everything reachable is in `basis`
    const newImages = added.map((v) => multiply(a, m, v));
    images.push(...newImages);
    const ritz = rayleighRitz(basis, images, m, want);
    if (ritz.values.length >= want && converged(ritz.residuals, ritz.values[0]!, relTol, valueOnly)) {
      return { values: ritz.values, vectors: ritz.vectors, complete: false };
    }
    next = newImages;
  }
  return { ...symmetricEigenTop(a, m, want), complete: true };
}

/**
 * Wanted pairs need residual ≤ relTol·θ₁; the last `valueOnly` of them are only read as values, whose
 * error is ≈ residual²/gap, so √relTol suffices there (a flat tail right after the wanted pairs would
 * otherwise force the dense fallback).
 */
function converged(residuals: number[], top: number, relTol: number, valueOnly: number): boolean {
  const scale = Math.max(top, Number.MIN_VALUE);
  return residuals.every((r, i) => r <= (i >= residuals.length - valueOnly ? Math.sqrt(relTol) : relTol) * scale);
}

function multiply(a: Float64Array, m: number, v: Float64Array): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const row = i * m;
    let s0 = 0;
    let s1 = 0;
    let j = 0;
    for (; j + 1 < m; j += 2) {
      s0 += a[row + j]! * v[j]!;
      s1 += a[row + j + 1]! * v[j + 1]!;
    }
    if (j < m) s0 += a[row + j]! * v[j]!;
    out[i] = s0 + s1;
  }
  return out;
}

/** Orthonormalises `vs` against `basis` and each other (Gram–Schmidt twice), appends survivors. */
function orthonormaliseInto(basis: Float64Array[], vs: Float64Array[]): Float64Array[] {
  const added: Float64Array[] = [];
  for (const src of vs) {
    const v = Float64Array.from(src);
    let norm0 = 0;
    for (let i = 0; i < v.length; i++) norm0 += v[i]! * v[i]!;
    norm0 = Math.sqrt(norm0);
    if (norm0 === 0) continue;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let dot = 0;
        for (let i = 0; i < v.length; i++) dot += q[i]! * v[i]!;
        for (let i = 0; i < v.length; i++) v[i] = v[i]! - dot * q[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    if (norm <= 1e-10 * norm0) continue; // already in the span
    for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
    basis.push(v);
    added.push(v);
  }
  return added;
}

/** Ritz pairs of `a` on span(basis): the top `want` values, vectors (rows) and residuals ‖Ax − θx‖. */
function rayleighRitz(basis: Float64Array[], images: Float64Array[], m: number, want: number) {
  const s = basis.length;
  const t = new Float64Array(s * s);
  for (let i = 0; i < s; i++) {
    for (let j = 0; j <= i; j++) {
      const bi = basis[i]!;
      const aj = images[j]!;
      let dot = 0;
      for (let r = 0; r < m; r++) dot += bi[r]! * aj[r]!;
      t[i * s + j] = dot;
      t[j * s + i] = dot;
    }
  }
  const small = symmetricEigenTop(t, s, want);
  const take = Math.min(want, s);
  const values = small.values.slice(0, take);
  const vectors = new Float64Array(take * m);
  const residuals: number[] = [];
  for (let p = 0; p < take; p++) {
    const x = vectors.subarray(p * m, p * m + m);
    const ax = new Float64Array(m);
    for (let i = 0; i < s; i++) {
      const c = small.vectors[p * s + i]!;
      if (c === 0) continue;
      const bi = basis[i]!;
      const ai = images[i]!;
      for (let r = 0; r < m; r++) {
        x[r] = x[r]! + c * bi[r]!;
        ax[r] = ax[r]! + c * ai[r]!;
      }
    }
    let res = 0;
    for (let r = 0; r < m; r++) {
      const e = ax[r]! - values[p]! * x[r]!;
      res += e * e;
    }
    residuals.push(Math.sqrt(res));
  }
  return { values, vectors, residuals };
}
