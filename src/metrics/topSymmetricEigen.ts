import { seededRandom } from '../util/seededRandom.js';
import { symmetricEigenTop, type SymmetricEigen } from './symmetricEigen.js';
import { tiledProduct } from './tiledProduct.js';

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
  const rand = seededRandom(0x5eed);
  const basis: Float64Array[] = []; // orthonormal Krylov basis vectors (length m)
  const images: Float64Array[] = []; // a · basis[i]
  let next: Float64Array[] = Array.from({ length: block }, () => Float64Array.from({ length: m }, () => rand() - 0.5));
  const maxBasis = Math.min(m / 2, 8 * block);
  while (basis.length + block <= maxBasis) {
    const added = orthonormaliseInto(basis, next);
    if (added.length === 0) break; // Krylov space invariant: everything reachable is in `basis`
    const newImages = multiplyBlock(a, m, added);
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

/** [a·v for v in vs] as one product A·[v₁ … v_b] (`tiledProduct`: the wasm kernel at these sizes, ≈ 5x the per-vector JS loop). */
function multiplyBlock(a: Float64Array, m: number, vs: Float64Array[]): Float64Array[] {
  const packed = pack(vs, m);
  const product = tiledProduct(a, m, m, m, 1, packed, vs.length);
  return unpack(product, m, vs.length);
}

/** Vectors (each of length m) as the columns of an m×b row-major matrix. */
function pack(vs: Float64Array[], m: number): Float64Array {
  const b = vs.length;
  const out = new Float64Array(m * b);
  vs.forEach((v, j) => {
    for (let r = 0; r < m; r++) out[r * b + j] = v[r]!;
  });
  return out;
}

/** The b columns of an m×b row-major matrix as vectors. */
function unpack(x: Float64Array, m: number, b: number): Float64Array[] {
  return Array.from({ length: b }, (_, j) => {
    const v = new Float64Array(m);
    for (let r = 0; r < m; r++) v[r] = x[r * b + j]!;
    return v;
  });
}

/**
 * Orthonormalises `vs` against `basis` and each other, appends survivors. Two passes, each a block
 * classical Gram–Schmidt step against the basis (Qᵀ·V and Q·(QᵀV) as tiled products: the wasm kernel
 * at these sizes, instead of a dot and an axpy per basis vector) followed by modified Gram–Schmidt
 * within the block and normalisation (BCGS2: the second pass also removes what the in-block step
 * brought back along Q; Barlow & Smoktunowicz 2013, "twice is enough", Giraud et al. 2005). A vector
 * whose norm shrank below 1e-10 of its original over both passes was already in the span: dropped.
 */
function orthonormaliseInto(basis: Float64Array[], vs: Float64Array[]): Float64Array[] {
  const m = vs[0]?.length ?? 0;
  const norm = (v: Float64Array) => {
    let sum = 0;
    for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
    return Math.sqrt(sum);
  };
  // Never modify the caller's vectors (they are the images of the previous block).
  let candidates = vs.map((v) => ({ v: Float64Array.from(v) as Float64Array, norm0: norm(v), kept: 0 })).filter((c) => c.norm0 > 0);
  const q = basis.length > 0 ? pack(basis, m) : null;
  for (let pass = 0; pass < 2 && candidates.length > 0; pass++) {
    if (q) {
      const s = basis.length;
      const b = candidates.length;
      const block = pack(
        candidates.map((c) => c.v),
        m,
      );
      const coefficients = tiledProduct(q, s, m, 1, s, block, b); // Qᵀ·V, s×b
      const projection = tiledProduct(q, m, s, s, 1, coefficients, b); // Q·(QᵀV), m×b
      for (let i = 0; i < block.length; i++) block[i] = block[i]! - projection[i]!;
      unpack(block, m, b).forEach((v, j) => (candidates[j]!.v = v));
    }
    const survivors: typeof candidates = [];
    for (const c of candidates) {
      const v = c.v;
      for (const { v: u } of survivors) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += u[i]! * v[i]!;
        for (let i = 0; i < m; i++) v[i] = v[i]! - dot * u[i]!;
      }
      const rest = norm(v);
      // `kept`: the remaining norm in the original units (pass 0 starts from v₀, pass 1 from a unit vector).
      const kept = pass === 0 ? rest : c.kept * rest;
      if (rest === 0 || (pass === 1 && kept <= 1e-10 * c.norm0)) continue;
      for (let i = 0; i < m; i++) v[i] = v[i]! / rest;
      survivors.push({ v, norm0: c.norm0, kept });
    }
    candidates = survivors;
  }
  const added = candidates.map((c) => c.v);
  basis.push(...added);
  return added;
}

/** Ritz pairs of `a` on span(basis): the top `want` values, vectors (rows) and residuals ‖Ax − θx‖. */
function rayleighRitz(basis: Float64Array[], images: Float64Array[], m: number, want: number) {
  const s = basis.length;
  const b = pack(basis, m);
  const im = pack(images, m);
  // T = Bᵀ(AB), s×s, symmetrised from its lower triangle (each entry one dot product, as before).
  const full = tiledProduct(b, s, m, 1, s, im, s);
  const t = new Float64Array(s * s);
  for (let i = 0; i < s; i++) {
    for (let j = 0; j <= i; j++) {
      t[i * s + j] = full[i * s + j]!;
      t[j * s + i] = full[i * s + j]!;
    }
  }
  const small = symmetricEigenTop(t, s, want);
  const take = Math.min(want, s);
  const values = small.values.slice(0, take);
  // X = B·C and AX = (AB)·C for C = the top `take` small eigenvectors as columns (s×take).
  const c = new Float64Array(s * take);
  for (let p = 0; p < take; p++) for (let i = 0; i < s; i++) c[i * take + p] = small.vectors[p * s + i]!;
  const x = tiledProduct(b, m, s, s, 1, c, take);
  const ax = tiledProduct(im, m, s, s, 1, c, take);
  const vectors = new Float64Array(take * m);
  const residuals: number[] = [];
  for (let p = 0; p < take; p++) {
    let res = 0;
    for (let r = 0; r < m; r++) {
      const xr = x[r * take + p]!;
      vectors[p * m + r] = xr;
      const e = ax[r * take + p]! - values[p]! * xr;
      res += e * e;
    }
    residuals.push(Math.sqrt(res));
  }
  return { values, vectors, residuals };
}
