import { assertFiniteMatrix, assertRank } from './checkMatrix.js';
import { gram } from './gram.js';
import type { Matrix } from './matrix.js';
import { orthonormalColumns } from './orthonormalColumns.js';
import { subtractMatrices } from './subtractMatrices.js';
import { tiledProduct } from './tiledProduct.js';
import { topSymmetricEigen } from './topSymmetricEigen.js';

/** The top-k right singular subspace of an activation delta, with what is needed to trust it. */
export interface DeltaSubspace {
  /** d×k orthonormal columns (float64), the top right singular vectors; `null` when the delta is zero. */
  basis: Matrix | null;
  /** Effective k: the requested k, reduced to the numerical rank of the delta (see `reason`). */
  k: number;
  requestedK: number;
  /**
   * Singular values of the delta, descending: all min(n, d) when the dense eigen-solver ran (Gram
   * side ≤ 256 or flat spectrum), else the top requestedK+1. Those below the rank tolerance are 0.
   */
  singularValues: number[];
  /** σᵢ² / Σσ² for each returned component. */
  energyShare: number[];
  /** Sum of `energyShare`: the share of ‖Δ‖²_F the basis captures. */
  explainedEnergy: number;
  /**
   * Participation ratio (Σσᵢ²)² / Σσᵢ⁴ = tr(G)²/‖G‖²_F of the Gram G: 1 when one direction carries
   * all the energy, min(n, d) when all carry the same; exact without a full spectrum. 0 for Δ = 0.
   */
  effectiveRank: number;
  /** σ_{k+1}/σ_k for the effective k; `null` when k = 0 or k = min(n, d). Near 1 = basis arbitrary. */
  spectralGapRatio: number | null;
  /** Why `basis` is null or `k` < `requestedK`. */
  reason?: string;
}

export interface DeltaSubspaceOptions {
  /**
   * Components with σᵢ²/σ₁² at or below this are treated as zero (numerical rank). Default
   * `10·max(n, d)·ε` (≈ 9e-12 at d=4096): the float64 Gram's eigenvalue error relative to σ₁²,
   * i.e. σᵢ/σ₁ ≳ 3e-6 is resolved.
   */
  relativeTolerance?: number;
  /**
   * The Gram ΔΔᵀ (n×n, float64, row-major) when the caller already has it (n ≤ d only; ignored
   * otherwise): `analyzeActivations` derives it from the train-delta PCA's centred Gram.
   */
  gram?: Float64Array;
}

/**
 * Top-k delta subspace of `after − before` (uncentered). See `deltaSubspaceOf`.
 */
export function deltaSubspace(before: Matrix, after: Matrix, k: number, options: DeltaSubspaceOptions = {}): DeltaSubspace {
  return deltaSubspaceOf(subtractMatrices(after, before), k, options);
}

/**
 * Top-k right singular vectors of a delta Δ (n×d), by the Gram trick in float64: the top k+1
 * eigenpairs of ΔΔᵀ (n×n) when n ≤ d, mapped back uᵢ = Δᵀvᵢ/σᵢ, else of ΔᵀΔ (d×d) directly
 * (`topSymmetricEigen`: dense up to 256, block Krylov + Rayleigh–Ritz above). Float64 Gram rather
 * than tfjs float32: float32 squares the dynamic range and lost σ₂ when one common shift dominated
 * (overlap 0.73 instead of 1.0, DESIGN.md); float64 keeps σᵢ/σ₁ down to ≈ 3e-6. The Gram and the
 * map back run in the WebAssembly SIMD float64 kernels (`gram`, `tiledProduct`: 21 + 6 ms at
 * 256×4096, against 70 + 11 ms in plain JS). A float32 fast
 * path accepted only on flat spectra was measured and dropped: the tfjs product (incl. upload) took
 * 30–67 ms against 68 ms CPU for the symmetric float64 JS kernel at 256×4096 (21 ms in wasm now), and float32's accumulation
 * error ‖E‖ ≈ √d·2⁻²⁴·‖Δ‖²_F (≈ 4e-6·Σλ at d = 4096; probabilistic bound, Higham & Mary 2019) gives
 * a subspace angle ≤ ‖E‖/(λ_k − λ_{k+1}) (Davis–Kahan), so 1e-5 agreement would need a gap of 0.4·Σλ:
 * impossible for k ≥ 3, i.e. the acceptance test could (rightly) never pass.
 * No full SVD of d×n. The basis is re-orthonormalised (Gram–Schmidt twice) so later products can
 * trust it.
 */
export function deltaSubspaceOf(delta: Matrix, k: number, options: DeltaSubspaceOptions = {}): DeltaSubspace {
  assertRank(k, 'k');
  assertFiniteMatrix(delta, 'delta');
  const data = delta.data;
  let total = 0;
  for (let i = 0; i < data.length; i++) total += data[i]! * data[i]!;
  return deltaSubspaceOfFinite(delta, k, total, options);
}

/**
 * `deltaSubspaceOf` for a delta already checked finite, with ‖Δ‖²_F given (`deltaWithNorms` has
 * both): skips two passes over Δ. With `options.gram` and `transposeTimes` (Δᵀ·w into out, as
 * `tiledProduct` forms it) only the delta's shape is read: `analyzeActivations` then never forms it in JS.
 */
export function deltaSubspaceOfFinite(
  delta: Matrix,
  k: number,
  total: number,
  options: DeltaSubspaceOptions = {},
  transposeTimes?: (w: Float64Array, k: number, out: Float64Array) => void,
): DeltaSubspace {
  assertRank(k, 'k');
  const n = delta.rows;
  const d = delta.cols;
  const m = Math.min(n, d);
  const tol = options.relativeTolerance ?? 10 * Math.max(n, d) * Number.EPSILON;
  const data = delta.data;
  const empty = (reason: string): DeltaSubspace => ({
    basis: null,
    k: 0,
    requestedK: k,
    singularValues: new Array<number>(m).fill(0),
    energyShare: [],
    explainedEnergy: 0,
    effectiveRank: 0,
    spectralGapRatio: null,
    reason,
  });
  if (m === 0) return empty(`delta is ${n}×${d}: no probes or no features`);
  if (total === 0) return empty('delta is zero (after equals before): no direction moved');

  const side = n <= d ? 'rows' : 'cols';
  const given = side === 'rows' && options.gram?.length === n * n ? options.gram : null;
  if (data.length !== n * d && !(given && transposeTimes))
    throw new Error(`deltaSubspaceOfFinite: a ${n}×${d} delta given by shape only needs its Gram and transposeTimes`);
  const g = given ?? gram(delta, side);
  const { values, vectors } = topSymmetricEigen(g, m, k + 1, 1e-11, 1); // σ_{k+1} is only read as a value (gap ratio)
  let gramNorm2 = 0;
  for (let i = 0; i < g.length; i++) gramNorm2 += g[i]! * g[i]!;
  const lambda1 = Math.max(values[0]!, 0);
  let rank = 0;
  while (rank < values.length && values[rank]! > tol * lambda1) rank++;
  // Below the tolerance an eigenvalue is rounding noise (≈ ε·λ₁): report σ = 0, not √noise.
  const sigma = Array.from(values, (v, i) => (i < rank ? Math.sqrt(v) : 0));
  const kEff = Math.min(k, rank);

  // Right singular vectors as columns of a d×kEff row-major matrix.
  const raw = new Float64Array(d * kEff);
  if (side === 'rows') {
    // U = Δᵀ V Σ⁻¹ = Δᵀ W.
    const w = new Float64Array(n * kEff);
    for (let j = 0; j < kEff; j++) for (let r = 0; r < n; r++) w[r * kEff + j] = vectors[j * n + r]! / sigma[j]!;
    if (transposeTimes) transposeTimes(w, kEff, raw);
    else tiledProduct(data, d, n, 1, d, w, kEff, raw);
  } else {
    for (let j = 0; j < kEff; j++) for (let c = 0; c < d; c++) raw[c * kEff + j] = vectors[j * d + c]!;
  }
  const basis = orthonormalColumns({ rows: d, cols: kEff, data: raw });

  const energyShare = sigma.slice(0, kEff).map((s) => (s * s) / total);
  const result: DeltaSubspace = {
    basis,
    k: kEff,
    requestedK: k,
    singularValues: sigma,
    energyShare,
    explainedEnergy: energyShare.reduce((a, b) => a + b, 0),
    effectiveRank: (total * total) / gramNorm2,
    spectralGapRatio: kEff < sigma.length ? sigma[kEff]! / sigma[kEff - 1]! : null,
  };
  if (kEff < k) {
    result.reason =
      rank < Math.min(m, k)
        ? `delta has numerical rank ${rank} < requested k=${k} (σᵢ/σ₁ ≤ ${Math.sqrt(tol).toExponential(1)} treated as zero)`
        : `delta is ${n}×${d}: at most ${m} directions, requested k=${k}`;
  }
  return result;
}
