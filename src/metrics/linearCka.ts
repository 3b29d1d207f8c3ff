import { assertFiniteMatrix } from './checkMatrix.js';
import { gram } from './gram.js';
import type { Matrix } from './matrix.js';
import { tiledProduct } from './tiledProduct.js';
import { minusFirstRowFill, wasmCkaTerms, wasmGram } from './wasm/gramWasm.js';
import { columnMeans } from './columnMeans.js';

/**
 * Linear CKA (Kornblith et al. 2019, eq. for the linear kernel) between two representations of the
 * same n probes, X (n×dX) and Y (n×dY), columns centered in float64:
 *   CKA = ‖XcᵀYc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F) = ⟨Kx, Ky⟩_F / (‖Kx‖_F ‖Ky‖_F),  K = Xc Xcᵀ.
 * 1 = same geometry up to rotation and scale; it falls as fine-tuning reshapes a layer. Uses the
 * n×n Gram form when n is small next to d, the feature form otherwise. Small inputs (guard-sized
 * probe sets) run in float64 JS; larger ones remove the column offsets in float64 and multiply in
 * float32 (CKA needs no tiny directions: ≈ 1e-7 relative error) by the WebAssembly SIMD Gram kernel,
 * or in float64 JS where WebAssembly SIMD is unavailable (see `CkaRoute`). `null` when either side has
 * no variance (n < 2, or every column constant). No tfjs: `em-guard analyze` never loads it.
 */
export function linearCka(X: Matrix, Y: Matrix): number | null {
  if (X.rows !== Y.rows) {
    throw new Error(`shape mismatch: X is ${X.rows}×${X.cols}, Y is ${Y.rows}×${Y.cols}; CKA compares two representations of the same probes (rows)`);
  }
  assertFiniteMatrix(X, 'X activations');
  assertFiniteMatrix(Y, 'Y activations');
  return linearCkaOfFinite(X, Y);
}

/**
 * Below this many multiply-adds the products run in plain float64 JS, where the wasm kernel's fixed
 * cost (copies, padding) dominates; measured against tfjs, whose per-call cost was higher still
 * (0.115 ms JS vs 0.167 ms tfjs at 120×8).
 */
const JS_CKA_FLOPS = 1e5;

/**
 * How the CKA products are formed: `float64` plain JS (small inputs, and wherever WebAssembly SIMD
 * is unavailable; exact); `wasm` the float32 SIMD kernel on symmetric Grams only (Kx and Ky, or in
 * feature form the Gram of [Xc Yc]ᵀ, whose blocks are XcᵀXc, YcᵀYc and XcᵀYc): 29 ms per CKA at
 * 256×4096 against 56 ms for the tfjs XNNPACK products it replaced (warm, copies included). The tfjs
 * fallback went: importing tfjs cost a one-shot `em-guard analyze` ≈ 0.5 s of start-up for a route
 * that only ran without WebAssembly, where float64 JS is exact and fast enough.
 */
export type CkaRoute = 'float64' | 'wasm';

/**
 * `linearCka` for inputs already checked finite with equal row counts (analyzeActivations). `route`
 * forces a product route (tests compare them); by default the fastest available one. `kx`: X's
 * centred Gram X_cX_cᵀ (n×n, float64) when the caller has it (a PCA of X formed it), used in the
 * Gram form instead of forming it again.
 */
export function linearCkaOfFinite(X: Matrix, Y: Matrix, route?: CkaRoute, kx?: Float64Array | null): number | null {
  const n = X.rows;
  if (n < 2 || X.cols === 0 || Y.cols === 0) return null;
  const gramForm = n * (X.cols + Y.cols) <= X.cols * Y.cols;
  const flops = gramForm ? n * n * (X.cols + Y.cols) : n * (X.cols * Y.cols + X.cols * X.cols + Y.cols * Y.cols);
  const chosen = route ?? (flops <= JS_CKA_FLOPS ? 'float64' : 'wasm');
  const given = kx?.length === n * n ? kx : null;
  const terms = (chosen === 'wasm' && ckaTermsWasm(X, Y, given)) || ckaTermsJs(X, Y, gramForm, given);
  const [hsic, xx, yy] = terms;
  const den = Math.sqrt(xx) * Math.sqrt(yy);
  if (!(den > 0)) return null;
  return Math.max(0, Math.min(1, hsic / den));
}

/**
 * The three CKA terms by the float32 WebAssembly SIMD Gram kernel, the column offsets removed in
 * float64 while the data is copied in (so an offset far above the spread costs no accuracy);
 * `null` when the kernel is unavailable.
 */
function ckaTermsWasm(X: Matrix, Y: Matrix, kxCentred: Float64Array | null): [number, number, number] | null {
  const n = X.rows;
  // Symmetric products only: n²(dX+dY)/2 multiply-adds in Gram form, n(dX+dY)²/2 in feature form.
  if (n <= X.cols + Y.cols) {
    // Kc = H Ks H for Ks the Gram of X − 1x₀ᵀ (any row shift, since H1 = 0): subtracting the first
    // row removes the common offset as centring does, without a pass for the column means.
    const ky = wasmGram(n, Y.cols, 'float32', minusFirstRowFill(Y.data, n, Y.cols));
    const kx = kxCentred ?? (ky && wasmGram(n, X.cols, 'float32', minusFirstRowFill(X.data, n, X.cols)));
    if (!kx || !ky) return null;
    return wasmCkaTerms(kx, ky, n, kx === kxCentred) ?? ckaTermsFromGramsJs(kx, ky, n, kx === kxCentred);
  }
  const mx = columnMeans(X);
  const my = columnMeans(Y);
  // Feature form: the Gram of [Xc Yc]ᵀ ((dX+dY)×n) holds XcᵀXc, YcᵀYc and XcᵀYc as its blocks.
  const dx = X.cols;
  const m = dx + Y.cols;
  const g = wasmGram(m, n, 'float32', (dst, stride) => {
    centredTransposed(X, mx, dst, stride, 0);
    centredTransposed(Y, my, dst, stride, dx * stride);
  });
  if (!g) return null;
  let hsic = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const v = g[i * m + j]!;
      if (i < dx && j < dx) xx += v * v;
      else if (i >= dx && j >= dx) yy += v * v;
      else if (i < dx) hsic += v * v;
    }
  }
  return [hsic, xx, yy];
}

/**
 * ⟨Kx, Ky⟩, ‖Kx‖², ‖Ky‖² after double-centring Ky (and Kx unless `kxCentred`) in place, in plain JS:
 * the fallback of `wasmCkaTerms` and its reference in the tests.
 */
export function ckaTermsFromGramsJs(kx: Float64Array, ky: Float64Array, n: number, kxCentred: boolean): [number, number, number] {
  if (!kxCentred) doubleCentre(kx, n);
  doubleCentre(ky, n);
  return [frobDot(kx, ky), frobDot(kx, kx), frobDot(ky, ky)];
}

/** K ← H K H, H = I − 11ᵀ/n, for a symmetric n×n K in place: K_ij − r_i − r_j + mean(r), r = row means. */
function doubleCentre(k: Float64Array, n: number): void {
  const rowMean = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += k[i * n + j]!;
    rowMean[i] = s / n;
    total += s;
  }
  total /= n * n;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k[i * n + j] = k[i * n + j]! - rowMean[i]! - rowMean[j]! + total;
}

/** Writes (m − 1·meanᵀ)ᵀ into dst from element `offset`, one feature per row of `stride`. */
function centredTransposed(m: Matrix, mean: Float64Array, dst: Float32Array | Float64Array, stride: number, offset: number): void {
  const { rows: n, cols: d, data } = m;
  for (let r = 0; r < n; r++) {
    const src = r * d;
    for (let c = 0; c < d; c++) dst[offset + c * stride + r] = data[src + c]! - mean[c]!;
  }
}

/** ⟨Kx, Ky⟩, ‖Kx‖², ‖Ky‖² (or the feature-form equivalents) in float64 JS, for small inputs. */
function ckaTermsJs(X: Matrix, Y: Matrix, gramForm: boolean, kxCentred: Float64Array | null): [number, number, number] {
  const n = X.rows;
  const yc: Matrix = { rows: n, cols: Y.cols, data: centred64(Y) };
  if (gramForm) {
    const kx = kxCentred ?? gram({ rows: n, cols: X.cols, data: centred64(X) }, 'rows');
    const ky = gram(yc, 'rows');
    return [frobDot(kx, ky), frobDot(kx, kx), frobDot(ky, ky)];
  }
  const xc: Matrix = { rows: n, cols: X.cols, data: centred64(X) };
  const cxy = tiledProduct(xc.data, X.cols, n, 1, X.cols, yc.data, Y.cols); // Xcᵀ Yc
  const cxx = gram(xc, 'cols');
  const cyy = gram(yc, 'cols');
  return [frobDot(cxy, cxy), frobDot(cxx, cxx), frobDot(cyy, cyy)];
}

/** Column-centred float64 copy of a Matrix's data. */
function centred64(m: Matrix): Float64Array {
  const { rows: n, cols: d, data } = m;
  const mean = columnMeans(m);
  const out = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) out[r * d + c] = data[r * d + c]! - mean[c]!;
  return out;
}

function frobDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
