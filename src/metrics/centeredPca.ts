import { assertFiniteMatrix } from './checkMatrix.js';
import { columnMeans } from './columnMeans.js';
import { gram } from './gram.js';
import type { DeltaOf } from './deltaOf.js';
import type { Matrix } from './matrix.js';
import { symmetricEigenTop } from './symmetricEigen.js';
import { subtractMatrices } from './subtractMatrices.js';
import { rowProjection, type RowProjection } from './pcaRowMetrics.js';
import { tiledProduct as product } from './tiledProduct.js';
import { wasmAddOuter, wasmCentredRows, wasmCentreRows, wasmRowBlocks, type ResidentCentredRows } from './wasm/gramWasm.js';

/** How many components a {@link centeredPca} keeps: a fixed rank, or a share of explained variance. */
export type PcaComponents = { rank: number } | { varianceShare: number };

/** A centred PCA of n rows (sklearn `PCA` semantics, float64). */
export interface CenteredPca {
  /** Column means μ (length d). */
  mean: Float64Array;
  /** d×k orthonormal components V_k (column j = the j-th principal axis), float64 row-major. */
  components: Matrix;
  /** Kept components. */
  k: number;
  /** The requested share when chosen by variance, else null. */
  varianceShare: number | null;
  /** λ_i = σ_i²/(n−1) of the kept components (sklearn `explained_variance_`). */
  explainedVariance: number[];
  /** λ_i / Σ_all λ (sklearn `explained_variance_ratio_`), kept components. */
  explainedVarianceRatio: number[];
  /** Cumulative sum of `explainedVarianceRatio` at k (the share actually reached). */
  cumulativeExplainedVarianceRatio: number;
  /** Why k is smaller than asked, if it is. */
  reason?: string;
}

/** Throws a one-line message unless `share` is a number in (0, 1]. */
export function assertVarianceShare(share: unknown): asserts share is number {
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) {
    throw new RangeError(`Expected \`varianceShare\` to be a number in (0, 1], got \`${String(share)}\` (${typeof share})`);
  }
}

/**
 * Centred PCA of the rows of `m` (n×d): mean μ, top-k right singular vectors of M − 1μᵀ, explained
 * variances σ²/(n−1), as sklearn's `PCA` (full solver) computes them; signs are arbitrary (no metric
 * here depends on them). k is `rank`, or the smallest k whose cumulative explained-variance ratio
 * exceeds `varianceShare` (sklearn's `searchsorted(cumsum, share, side='right') + 1`), capped at
 * min(n−1, d) and at the numerical rank (σᵢ²/σ₁² ≤ 10·max(n, d)·ε counts as 0, as in
 * `deltaSubspaceOf`). Gram trick in float64 when n ≤ d (the n×n eigenproblem), never a d×n SVD.
 * With no variance at all (every row equal) k = 0 and `components` is d×0.
 */
export function centeredPca(m: Matrix, choice: PcaComponents): CenteredPca {
  assertFiniteMatrix(m, 'PCA input');
  return centeredPcaOfFinite(m, choice);
}

/** `centeredPca` for input already checked finite (analyzeActivations validates every set once). */
export function centeredPcaOfFinite(m: Matrix, choice: PcaComponents): CenteredPca {
  return centeredPcaWithGram(m, choice).pca;
}

export type { DeltaOf } from './deltaOf.js';

/** A centred PCA with the n×n products it formed on the way, for callers that need them too. */
export interface CenteredPcaWithGram {
  pca: CenteredPca;
  /**
   * The centred Gram X_cX_cᵀ (n×n, float64, row-major) when the PCA ran on the rows side (n ≤ d),
   * else null. Linear CKA's Kx and, with `rowDotMean`, the uncentred Gram are read off it.
   */
  gram: Float64Array | null;
  /** X_c·μ per row (length n), with `gram`; null otherwise. */
  rowDotMean: Float64Array | null;
}

/**
 * `centeredPcaOfFinite`, also returning the centred Gram and X_c·μ, so that `analyzeActivations` need
 * not form the same 256×4096 products again: MMᵀ = X_cX_cᵀ + a1ᵀ + 1aᵀ + ‖μ‖²11ᵀ with a = X_cμ
 * (exact algebra; each term's float64 rounding is within the direct Gram's d·ε·‖mᵢ‖‖mⱼ‖).
 */
export function centeredPcaWithGram(source: Matrix | DeltaOf, choice: PcaComponents): CenteredPcaWithGram {
  return fitCenteredPca(source, choice, null) as CenteredPcaWithGram;
}

/** How `centeredPcaProjecting` projects the other rows: `auto` picks the one with fewer multiply-adds. */
export type ProjectionRoute = 'auto' | 'components' | 'gram';

/** `centeredPcaWithGram` of some rows plus the projection of other rows onto the fitted PCA. */
export interface CenteredPcaProjection {
  /** The PCA; `components` is null when the projection took the Gram route (V_k never formed). */
  pca: Omit<CenteredPca, 'components'> & { components: Matrix | null };
  gram: Float64Array | null;
  rowDotMean: Float64Array | null;
  /** `rowProjection(rows, pca)`: what `pcaRowMetricsOfProjection` reads. */
  projection: RowProjection;
  /** The route taken. */
  route: 'components' | 'gram';
}

/**
 * A centred PCA of `source` (as `centeredPcaWithGram`) and the projection of `rows` (m×d, finite)
 * onto it. The components route forms V_k = X_cᵀWΛ^(−1/2) (d×k) and then rows·V_k; the Gram route,
 * while the centred rows X_c are still in kernel memory, forms the m×n cross products rows·X_cᵀ and
 * maps them, (rows·X_cᵀ)·WΛ^(−1/2) = rows·V_k and μᵀV_k = (X_cμ)ᵀWΛ^(−1/2): the same projections
 * (exact algebra; rounding differs by ≈ d·ε relative), n·m·d multiply-adds instead of k·d·(n + m)
 * and no d×k matrix. At k ≈ 200 (a 90 % share of a flat 256×4096 spectrum) that halves the work and
 * saves two 7 MB regions (≈ 3600 new pages in a fresh process). `auto` takes the Gram route when
 * it has fewer multiply-adds (k·(n + m) > n·m) and the kernels hold X_c (n ≤ d).
 */
export function centeredPcaProjecting(source: Matrix, choice: PcaComponents, rows: Matrix, route: ProjectionRoute = 'auto'): CenteredPcaProjection {
  if (rows.cols !== source.cols) throw new Error(`shape mismatch: rows have ${rows.cols} features, the PCA is fitted on ${source.cols}`);
  return fitCenteredPca(source, choice, { rows, route }) as CenteredPcaProjection;
}

interface Projecting {
  rows: Matrix;
  route: ProjectionRoute;
}

function fitCenteredPca(source: Matrix | DeltaOf, choice: PcaComponents, project: Projecting | null): CenteredPcaWithGram | CenteredPcaProjection {
  const pair = 'after' in source ? source : null;
  const { rows: n, cols: d } = pair ? pair.after : (source as Matrix);
  // A delta is formed only where the kernels do not form it in their own memory.
  const matrix = (): Matrix => (pair ? subtractMatrices(pair.after, pair.before) : (source as Matrix));
  if ('varianceShare' in choice) assertVarianceShare(choice.varianceShare);
  else if (!Number.isInteger(choice.rank) || choice.rank < 1)
    throw new RangeError(`Expected \`rank\` to be an integer >= 1, got \`${String(choice.rank)}\` (${typeof choice.rank})`);
  if (n < 2) {
    const pca: CenteredPca = {
      mean: columnMeans(matrix()),
      components: { rows: d, cols: 0, data: new Float64Array(0) },
      k: 0,
      varianceShare: 'varianceShare' in choice ? choice.varianceShare : null,
      explainedVariance: [],
      explainedVarianceRatio: [],
      cumulativeExplainedVarianceRatio: 0,
      reason: `${n} row(s): a variance needs at least 2`,
    };
    return project
      ? { pca, gram: null, rowDotMean: null, projection: rowProjection(project.rows, pca), route: 'components' }
      : { pca, gram: null, rowDotMean: null };
  }

  // Rows side: X_c stays in kernel memory for its Gram and the map-back product (no copies).
  const resident = n <= d ? wasmCentredRows(pair ? { after: pair.after.data, before: pair.before.data } : (source as Matrix).data, n, d) : null;
  let fitted: CenteredPcaWithGram | CenteredPcaProjection;
  try {
    fitted = centredPcaOf(resident ? { rows: n, cols: d, data: new Float64Array(0) } : matrix(), choice, resident, project);
  } finally {
    resident?.release();
  }
  // The components route projects after the release: the rows' copy then reuses X_c's kernel pages.
  if (!project || 'projection' in fitted) return fitted;
  return { ...fitted, projection: rowProjection(project.rows, fitted.pca), route: 'components' };
}

/** The PCA of `m` (only its shape is read when `resident` holds its centred rows). */
function centredPcaOf(
  m: Matrix,
  choice: PcaComponents,
  resident: ResidentCentredRows | null,
  project: Projecting | null,
): CenteredPcaWithGram | CenteredPcaProjection {
  const { rows: n, cols: d, data } = m;
  const copied = resident ? null : (wasmCentreRows(data, n, d) ?? centreRows(m));
  const { mean, rowDotMean, total } = resident ?? copied!;
  const side = n <= d ? 'rows' : 'cols';
  const size = side === 'rows' ? n : d;
  const cap = Math.min(n - 1, d);
  const tol = 10 * Math.max(n, d) * Number.EPSILON;
  // k from all eigenvalues (descending): the numerical rank, the share's k or the rank, the caps.
  const chooseK = (all: Float64Array) => {
    const lambda1 = Math.max(all[0] ?? 0, 0);
    let numericalRank = 0;
    while (numericalRank < Math.min(cap, all.length) && lambda1 > 0 && all[numericalRank]! > tol * lambda1) numericalRank++;
    let wanted = 'rank' in choice ? choice.rank : 0;
    if ('varianceShare' in choice) {
      let cum = 0;
      let below = 0;
      for (let i = 0; i < all.length; i++) {
        cum += Math.max(all[i]!, 0) / total;
        if (cum <= choice.varianceShare) below++;
        else break;
      }
      wanted = below + 1;
    }
    return { numericalRank, wanted, k: total === 0 ? 0 : Math.min(wanted, cap, numericalRank) };
  };
  // One dense solve: every eigenvalue comes out of the QL on the tridiagonal (O(size²)) and k is
  // chosen from them before any vector is computed (then only the k wanted ones).
  const g = resident ? resident.gram() : gram({ rows: n, cols: d, data: copied!.centred }, side);
  const { values: all, vectors } = symmetricEigenTop(g, size, (values) => chooseK(values).k);
  const parts = (pca: CenteredPca): CenteredPcaWithGram => (side === 'rows' ? { pca, gram: g, rowDotMean } : { pca, gram: null, rowDotMean: null });
  const { numericalRank, wanted, k } = chooseK(all);
  const result = (components: Matrix): CenteredPca => {
    const explainedVariance = Array.from(all.subarray(0, k), (v) => v / (n - 1));
    const explainedVarianceRatio = Array.from(all.subarray(0, k), (v) => v / total);
    const out: CenteredPca = {
      mean,
      components,
      k,
      varianceShare: 'varianceShare' in choice ? choice.varianceShare : null,
      explainedVariance,
      explainedVarianceRatio,
      cumulativeExplainedVarianceRatio: explainedVarianceRatio.reduce((a, b) => a + b, 0),
    };
    if (k < wanted && 'rank' in choice) {
      out.reason =
        total === 0
          ? 'every row is the same: no variance'
          : `at most ${Math.min(cap, numericalRank)} components (n−1 = ${n - 1}, d = ${d}, numerical rank ${numericalRank}); requested ${wanted}`;
    }
    return out;
  };
  if (k === 0) return parts(result({ rows: d, cols: 0, data: new Float64Array(0) }));
  // V = Xᵀ W Σ⁻¹ (right singular vectors from the left ones of the n×n Gram).
  const w = side === 'rows' ? new Float64Array(n * k) : null;
  if (w) {
    for (let j = 0; j < k; j++) {
      const s = Math.sqrt(all[j]!);
      for (let r = 0; r < n; r++) w[r * k + j] = vectors[j * n + r]! / s;
    }
  }
  const m2 = project?.rows.rows ?? 0;
  if (project && resident && w && (project.route === 'gram' || (project.route === 'auto' && k * (n + m2) > n * m2))) {
    const projection = gramRouteProjection(project.rows, resident, mean, w, k);
    if (projection) {
      const { components: _none, ...pca } = result({ rows: d, cols: k, data: new Float64Array(0) });
      return { pca: { ...pca, components: null }, gram: g, rowDotMean, projection, route: 'gram' };
    }
  }
  const raw = new Float64Array(d * k);
  if (w) {
    if (resident) resident.transposeTimes(w, k, raw);
    else product(copied!.centred, d, n, 1, d, w, k, raw);
  } else {
    for (let j = 0; j < k; j++) for (let c = 0; c < d; c++) raw[c * k + j] = vectors[j * d + c]!;
  }
  // Not re-orthonormalised: vᵢ = Xᵀwᵢ/σᵢ inherits the eigenvectors' orthonormality up to ≈ ε·σ₁/σᵢ
  // (≤ 1e-10 above the rank tolerance), and Gram–Schmidt on d×k in JS cost seconds at k ≈ 200
  // (a 90 % share of a flat spectrum), more than the rest of `analyze`.
  return parts(result({ rows: d, cols: k, data: raw }));
}

/**
 * The Gram route of `centeredPcaProjecting`: the other rows copied into kernel memory above the
 * resident X_c a block at a time, their row sums against μ and their cross products with X_c there,
 * then mapped by W' = WΛ^(−1/2) (n×k). Null when the kernels cannot hold them.
 */
function gramRouteProjection(rows: Matrix, resident: ResidentCentredRows, mean: Float64Array, w: Float64Array, k: number): RowProjection | null {
  const { rows: m, cols: d, data } = rows;
  const n = resident.rowDotMean.length;
  const cross = new Float64Array(m * n);
  const sums = { norm2: new Float64Array(m), dotMean: new Float64Array(m), centredNorm2: new Float64Array(m) };
  const done = wasmRowBlocks(data, m, d, (block, r0) => {
    const s = block.rowSums(mean);
    sums.norm2.set(s.norm2, r0);
    sums.dotMean.set(s.dotMean, r0);
    sums.centredNorm2.set(s.centredNorm2, r0);
    cross.set(block.timesTransposeOf(resident), r0 * n);
  });
  if (!done) return null;
  let meanNorm2 = 0;
  for (let c = 0; c < d; c++) meanNorm2 += mean[c]! * mean[c]!;
  return {
    projected: product(cross, m, n, n, 1, w, k),
    muV: product(resident.rowDotMean, 1, n, n, 1, w, k),
    sums: { ...sums, meanNorm2 },
  };
}

/** μ, X_c = M − 1μᵀ, ‖X_c‖²_F and X_c·μ per row in JS: the route of `wasmCentreRows` without WebAssembly. */
function centreRows(m: Matrix): { mean: Float64Array; centred: Float64Array; rowDotMean: Float64Array; total: number } {
  const { rows: n, cols: d, data } = m;
  const mean = columnMeans(m);
  const centred = new Float64Array(n * d);
  const rowDotMean = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) {
    let dot = 0;
    for (let c = 0; c < d; c++) {
      const x = data[r * d + c]! - mean[c]!;
      centred[r * d + c] = x;
      total += x * x;
      dot += x * mean[c]!;
    }
    rowDotMean[r] = dot;
  }
  return { mean, centred, rowDotMean, total };
}

/**
 * The uncentred Gram MMᵀ from a PCA's centred Gram: X_cX_cᵀ + a1ᵀ + 1aᵀ + ‖μ‖²11ᵀ, a = X_cμ; null
 * when the PCA formed no rows-side Gram.
 */
export function uncentredGram(parts: CenteredPcaWithGram): Float64Array | null {
  const { gram: gc, rowDotMean: a } = parts;
  if (gc === null || a === null) return null;
  const mu = parts.pca.mean;
  let mu2 = 0;
  for (let c = 0; c < mu.length; c++) mu2 += mu[c]! * mu[c]!;
  const n = a.length;
  // The n² loop in a kernel where available (as cold JS a one-shot `analyze` OSR-compiled it).
  const viaKernel = wasmAddOuter(gc, a, n, mu2);
  if (viaKernel) return viaKernel;
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i * n + j] = gc[i * n + j]! + a[i]! + a[j]! + mu2;
  return g;
}
