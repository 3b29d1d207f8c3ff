import type { DeltaOf } from './deltaOf.js';
import type { Matrix } from './matrix.js';
import { subtractMatrices } from './subtractMatrices.js';
import { tiledProduct, WASM_MIN_WORK } from './tiledProduct.js';
import { wasmProjectionSums, wasmRowsTimes } from './wasm/gramWasm.js';

/**
 * What the row measures read of a centred PCA (a `CenteredPca` has it; declared here so that
 * centeredPca.ts can project rows without an import cycle).
 */
export interface PcaFit {
  /** Column means μ (length d). */
  mean: Float64Array;
  /** d×k orthonormal components V_k, float64 row-major. */
  components: Matrix;
  k: number;
  /** λ_i of the kept components. */
  explainedVariance: readonly number[];
}

/** Per-row measures of rows δ against a centred PCA (μ, V_k, λ); `null` where a norm is zero. */
export interface PcaRowMetrics {
  /** 1 − ‖r‖²/‖x‖² with x = δ − μ, r = x − V_kV_kᵀx. */
  explainedL2Centered: (number | null)[];
  /** 1 − ‖δ − δ̂‖²/‖δ‖² with δ̂ = V_kV_kᵀx + μ. */
  explainedL2Raw: (number | null)[];
  /** ‖p‖/‖δ‖, p = V_kV_kᵀx. */
  projectionFractionRaw: (number | null)[];
  /** ‖p‖/‖x‖. */
  projectionFractionCentered: (number | null)[];
  /** cos(δ̂, δ). */
  reconstructionCosine: (number | null)[];
  /** √(Σ cᵢ²/λᵢ), c = V_kᵀx; null when k = 0. */
  mahalanobis: (number | null)[];
}

/**
 * Each row δ of `rows` (n×d) measured against a centred PCA, the paper code's definitions: x = δ − μ,
 * c = V_kᵀx, p = V_k c, r = x − p, δ̂ = p + μ. One product `rows·V_k` (n×k) carries the whole
 * projection: ‖p‖ = ‖c‖ (orthonormal V_k), p·μ = c·(V_kᵀμ), so no n×d reconstruction is formed.
 * Rows must be finite and have d = `pca.mean.length` columns.
 */
export function pcaRowMetrics(rows: Matrix, pca: PcaFit): PcaRowMetrics {
  return pcaRowMetricsWithSums(rows, pca).metrics;
}

/** Per-row sums of the pass `pcaRowMetrics` makes over its rows, for callers that need them too. */
export interface RowSums {
  /** ‖δ‖² per row. */
  norm2: Float64Array;
  /** δ·μ per row. */
  dotMean: Float64Array;
  /** ‖δ − μ‖² per row. */
  centredNorm2: Float64Array;
  /** ‖μ‖². */
  meanNorm2: number;
}

/**
 * `pcaRowMetrics` plus the per-row sums of its pass (‖δ‖², δ·μ, ‖δ − μ‖²): `meanDeltaRowMetrics`
 * against the same μ and the random-subspace control read them instead of passing over the rows again.
 */
export function pcaRowMetricsWithSums(rows: Matrix | DeltaOf, pca: PcaFit): { metrics: PcaRowMetrics; sums: RowSums } {
  const projection = rowProjection(rows, pca);
  return { metrics: pcaRowMetricsOfProjection(projection, pca.k, pca.explainedVariance), sums: projection.sums };
}

/**
 * The `RowProjection` of rows onto a PCA's components: one product rows·V_k and one pass of row sums.
 * Rows given as a delta's two sets are formed in kernel memory (in JS only on the JS routes).
 */
export function rowProjection(rows: Matrix | DeltaOf, pca: Omit<PcaFit, 'explainedVariance'>): RowProjection {
  const pair = 'after' in rows ? rows : null;
  const { rows: n, cols: d } = pair ? pair.after : (rows as Matrix);
  let formed: Matrix | null = pair ? null : (rows as Matrix);
  const rowData = () => (formed ??= subtractMatrices(pair!.after, pair!.before)).data;
  const sums: RowSums = { norm2: new Float64Array(n), dotMean: new Float64Array(n), centredNorm2: new Float64Array(n), meanNorm2: 0 };
  const mu = pca.mean;
  if (mu.length !== d) throw new Error(`shape mismatch: rows have ${d} features, the PCA was fitted on ${mu.length}`);
  const k = pca.k;
  const V = pca.components.data;
  // One copy of the rows into kernel memory for the product and the row sums (what tiledProduct
  // would run in wasm too); a JS pass below that size or without WebAssembly.
  const fused =
    k === 0 || n * d * k >= WASM_MIN_WORK ? wasmRowsTimes(pair ? { after: pair.after.data, before: pair.before.data } : rowData(), n, d, V, k, mu) : null;
  const projected = fused ? fused.projected : k > 0 ? tiledProduct(rowData(), n, d, d, 1, V, k) : new Float64Array(0);
  const muV = k > 0 ? tiledProduct(mu, 1, d, d, 1, V, k) : new Float64Array(0);
  let muNorm2 = 0;
  for (let c = 0; c < d; c++) muNorm2 += mu[c]! * mu[c]!;
  sums.meanNorm2 = muNorm2;
  if (fused) {
    sums.norm2 = fused.norm2;
    sums.dotMean = fused.dotMean;
    sums.centredNorm2 = fused.centredNorm2;
  } else {
    const data = rowData();
    for (let r = 0; r < n; r++) {
      let norm2 = 0;
      let dotMu = 0;
      let xNorm2 = 0;
      const base = r * d;
      for (let c = 0; c < d; c++) {
        const v = data[base + c]!;
        const x = v - mu[c]!;
        norm2 += v * v;
        dotMu += v * mu[c]!;
        xNorm2 += x * x;
      }
      sums.norm2[r] = norm2;
      sums.dotMean[r] = dotMu;
      sums.centredNorm2[r] = xNorm2;
    }
  }
  return { projected, muV, sums };
}

/**
 * What the measures of rows δ against a centred PCA read: rows·V_k (n×k, before centring), μᵀV_k
 * (k) and the per-row sums (with ‖μ‖²). A caller that formed them another way (e.g. from the PCA's
 * n×n cross products, never forming V_k) passes them to `pcaRowMetricsOfProjection`.
 */
export interface RowProjection {
  projected: Float64Array;
  muV: Float64Array;
  sums: RowSums;
}

/** `pcaRowMetrics` from a `RowProjection` onto a k-component PCA with variances λ (`explainedVariance`). */
export function pcaRowMetricsOfProjection({ projected, muV, sums }: RowProjection, k: number, explainedVariance: readonly number[]): PcaRowMetrics {
  const n = sums.norm2.length;
  const muNorm2 = sums.meanNorm2;
  const out: PcaRowMetrics = {
    explainedL2Centered: [],
    explainedL2Raw: [],
    projectionFractionRaw: [],
    projectionFractionCentered: [],
    reconstructionCosine: [],
    mahalanobis: [],
  };
  // The n·k inner loop in a kernel where available (as cold JS, 55 K iterations at k = 217 made a
  // one-shot `analyze` OSR-compile this function); the same sums in the same order.
  const rowSums = wasmProjectionSums(projected, muV, explainedVariance, n, k) ?? projectionSumsJs(projected, muV, explainedVariance, n, k);
  for (let r = 0; r < n; r++) {
    const norm2 = sums.norm2[r]!;
    const dotMu = sums.dotMean[r]!;
    const xNorm2 = sums.centredNorm2[r]!;
    let p2 = rowSums[3 * r]!;
    const pMu = rowSums[3 * r + 1]!;
    const maha = rowSums[3 * r + 2]!;
    p2 = Math.min(p2, xNorm2); // ‖p‖ ≤ ‖x‖ exactly; rounding may cross it
    const r2 = Math.max(0, xNorm2 - p2); // δ − δ̂ = x − p = r
    const pDelta = p2 + pMu; // p·δ = p·(x + μ) = ‖p‖² + p·μ
    const hatDot = pDelta + dotMu; // δ̂·δ
    const hatNorm2 = Math.max(0, p2 + 2 * pMu + muNorm2);
    out.explainedL2Centered.push(xNorm2 === 0 ? null : 1 - r2 / xNorm2);
    out.explainedL2Raw.push(norm2 === 0 ? null : 1 - r2 / norm2);
    out.projectionFractionRaw.push(norm2 === 0 ? null : Math.sqrt(p2 / norm2));
    out.projectionFractionCentered.push(xNorm2 === 0 ? null : Math.sqrt(p2 / xNorm2));
    out.reconstructionCosine.push(norm2 === 0 || hatNorm2 === 0 ? null : clamp(hatDot / Math.sqrt(hatNorm2 * norm2)));
    out.mahalanobis.push(k === 0 ? null : Math.sqrt(maha));
  }
  return out;
}

/** Σc², Σc·μV and Σc²/ev per row (c = projected row − μV), in plain JS: the fallback of `wasmProjectionSums`. */
export function projectionSumsJs(projected: Float64Array, muV: Float64Array, explainedVariance: readonly number[], n: number, k: number): Float64Array {
  const out = new Float64Array(3 * n);
  for (let r = 0; r < n; r++) {
    let p2 = 0;
    let pMu = 0;
    let maha = 0;
    for (let j = 0; j < k; j++) {
      const cj = projected[r * k + j]! - muV[j]!;
      p2 += cj * cj;
      pMu += cj * muV[j]!;
      maha += (cj * cj) / explainedVariance[j]!;
    }
    out[3 * r] = p2;
    out[3 * r + 1] = pMu;
    out[3 * r + 2] = maha;
  }
  return out;
}

function clamp(x: number): number {
  return Math.max(-1, Math.min(1, x));
}
