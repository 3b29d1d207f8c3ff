import { featureMoments } from './featureMoments.js';
import { kFoldIndices } from './kFoldIndices.js';
import type { LinearModel } from './ridgeFit.js';
import { assertFiniteMatrix, assertFiniteVector, assertInteger, assertSameLength, describeValue } from './validateInput.js';

/** Options of {@link lassoFit} and {@link lassoCvFit}. */
export interface LassoOptions {
  /** Scale features to unit population SD first (sklearn `StandardScaler`), so α penalises standardised weights. Default false. */
  standardize?: boolean;
  /** Stop when no weight moved more than this (relative to the largest weight) in a sweep. Default 1e-12. */
  tol?: number;
  /** Coordinate-descent sweeps at most. Default 100 000. */
  maxSweeps?: number;
}

interface Centred {
  n: number;
  p: number;
  /** Column-major centred (and scaled) features. */
  cols: Float64Array[];
  y: Float64Array;
  xMean: number[];
  yMean: number;
  scale: number[];
}

function centre(X: number[][], y: readonly number[], standardize: boolean): Centred {
  const n = X.length;
  const p = X[0]!.length;
  const { xMean, yMean, scale } = featureMoments(X, y, standardize);
  const cols = Array.from({ length: p }, (_, j) => {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = X[i]![j]! - xMean[j]!;
    if (standardize) for (let i = 0; i < n; i++) c[i] = c[i]! / scale[j]!;
    return c;
  });
  return { n, p, cols, y: Float64Array.from(y, (v) => v - yMean), xMean, yMean, scale };
}

/**
 * Cyclic coordinate descent for min (1/2n)‖y − Xw‖² + α‖w‖₁ on centred data (Friedman, Hastie &
 * Tibshirani 2010; sklearn's `Lasso` objective), warm-started from `w` (modified in place).
 */
function descend(c: Centred, alpha: number, w: Float64Array, tol: number, maxSweeps: number): void {
  const { n, p, cols } = c;
  const norms = cols.map((col) => col.reduce((s, v) => s + v * v, 0) / n);
  const r = Float64Array.from(c.y);
  for (let j = 0; j < p; j++) if (w[j] !== 0) for (let i = 0; i < n; i++) r[i] = r[i]! - cols[j]![i]! * w[j]!;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let maxDelta = 0;
    let maxW = 0;
    for (let j = 0; j < p; j++) {
      if (norms[j] === 0) continue;
      const col = cols[j]!;
      const old = w[j]!;
      let rho = 0;
      for (let i = 0; i < n; i++) rho += col[i]! * r[i]!;
      rho = rho / n + norms[j]! * old;
      const next = (Math.sign(rho) * Math.max(Math.abs(rho) - alpha, 0)) / norms[j]!;
      if (next !== old) {
        const delta = next - old;
        for (let i = 0; i < n; i++) r[i] = r[i]! - col[i]! * delta;
        w[j] = next;
        maxDelta = Math.max(maxDelta, Math.abs(delta));
      }
      maxW = Math.max(maxW, Math.abs(next));
    }
    if (maxDelta <= tol * Math.max(maxW, 1e-300)) return;
  }
}

/**
 * The same cyclic coordinate descent as {@link descend} (same order, same soft-threshold, same stopping
 * rule) in covariance form (Friedman, Hastie & Tibshirani 2010, section 2.2; sklearn's
 * `enet_coordinate_descent_gram`): it keeps q = Xᵀr instead of r, so ρ_j costs O(1) and a changed weight
 * O(p) instead of O(n) each. Equal to `descend` in exact arithmetic; rounding differs. With `faceSteps`
 * it also tries {@link stepOnSupport} once the support and signs settle (then it stops at the optimum, not
 * where `descend` would stop).
 */
function descendGram(g: Gram, alpha: number, w: Float64Array, tol: number, maxSweeps: number, faceSteps: boolean): void {
  const { n, p, G, xty } = g;
  const q = Float64Array.from(xty);
  for (let k = 0; k < p; k++) {
    const wk = w[k]!;
    if (wk !== 0) for (let j = 0; j < p; j++) q[j] = q[j]! - G[k * p + j]! * wk;
  }
  let stable = 0;
  let nextSolve = SOLVE_AFTER;
  let gap = SOLVE_AFTER;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let maxDelta = 0;
    let maxW = 0;
    let supportMoved = false;
    for (let j = 0; j < p; j++) {
      const norm = G[j * p + j]! / n;
      if (norm === 0) continue;
      const old = w[j]!;
      const rho = q[j]! / n + norm * old;
      const next = (Math.sign(rho) * Math.max(Math.abs(rho) - alpha, 0)) / norm;
      if (next !== old) {
        const delta = next - old;
        const row = j * p;
        for (let k = 0; k < p; k++) q[k] = q[k]! - G[row + k]! * delta;
        w[j] = next;
        maxDelta = Math.max(maxDelta, Math.abs(delta));
        if (Math.sign(next) !== Math.sign(old)) supportMoved = true;
      }
      maxW = Math.max(maxW, Math.abs(next));
    }
    if (maxDelta <= tol * Math.max(maxW, 1e-300)) return;
    stable = supportMoved ? 0 : stable + 1;
    if (faceSteps && stable >= SOLVE_AFTER && sweep >= nextSolve) {
      const step = stepOnSupport(g, alpha, w, q);
      if (step === 'optimal') return;
      stable = 0;
      gap += SOLVE_AFTER;
      nextSolve = sweep + gap;
    }
  }
}

/**
 * Sweeps with an unchanged support and signs before {@link stepOnSupport} is tried; each try that does
 * not end the descent waits this many sweeps longer for the next (on permuted targets the support can
 * cycle between steps and descent).
 */
const SOLVE_AFTER = 4;

/**
 * Solves (L Lᵀ) x = v in place for the leading m×m block of the row-major lower triangle L (row stride k):
 * forward then back substitution (Golub & Van Loan, Matrix Computations, 4th ed., alg. 4.2.1 and 3.1.1–3.1.2).
 */
function solveCholeskyInPlace(L: Float64Array, k: number, m: number, v: Float64Array): void {
  for (let i = 0; i < m; i++) {
    let s = v[i]!;
    for (let t = 0; t < i; t++) s -= L[i * k + t]! * v[t]!;
    v[i] = s / L[i * k + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = v[i]!;
    for (let t = i + 1; t < m; t++) s -= L[t * k + i]! * v[t]!;
    v[i] = s / L[i * k + i]!;
  }
}

/**
 * On the face of the current support S and signs s the Lasso objective is the quadratic
 * (1/2n)‖y − Xw‖² + αsᵀw, minimised at z_S = G_SS⁻¹(Xᵀy_S − nαs). If z keeps the signs and every j outside
 * S satisfies |Xᵀy_j − G_jS z_S| ≤ nα (the Lasso's KKT conditions; Osborne, Presnell & Turlach 2000), z is
 * the optimum: `w` becomes it ('optimal'), exact up to rounding, where descent would creep towards it
 * for thousands of sweeps when features are nearly collinear. Otherwise `w` moves towards z as far as
 * the signs hold (the first weight to reach 0 is set to 0), which lowers the objective, and descent goes
 * on from there ('moved'; `q` = Xᵀy − Gw is recomputed). When G_SS is numerically singular the step is
 * {@link stepAlongNullDirection}'s instead.
 */
function stepOnSupport(g: Gram, alpha: number, w: Float64Array, q: Float64Array): 'optimal' | 'moved' | 'singular' {
  const { n, p, G, xty } = g;
  const S: number[] = [];
  for (let j = 0; j < p; j++) if (w[j] !== 0) S.push(j);
  const k = S.length;
  if (k === 0) return 'singular';
  // Cholesky of G_SS (row-major lower triangle in L), then two triangular solves.
  const L = new Float64Array(k * k);
  let maxDiag = 0;
  for (let a = 0; a < k; a++) maxDiag = Math.max(maxDiag, G[S[a]! * p + S[a]!]!);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = G[S[a]! * p + S[b]!]!;
      for (let t = 0; t < b; t++) s -= L[a * k + t]! * L[b * k + t]!;
      if (a === b) {
        if (!(s > 1e-10 * maxDiag)) return a > 0 ? stepAlongNullDirection(g, alpha, w, q, S, L, a) : 'singular';
        L[a * k + a] = Math.sqrt(s);
      } else L[a * k + b] = s / L[b * k + b]!;
    }
  }
  const z = new Float64Array(k);
  for (let a = 0; a < k; a++) z[a] = xty[S[a]!]! - n * alpha * Math.sign(w[S[a]!]!);
  solveCholeskyInPlace(L, k, k, z);
  // The largest step t ≤ 1 along z − w that keeps every sign; `hit` is the weight that reaches 0 first.
  let t = 1;
  let hit = -1;
  for (let a = 0; a < k; a++) {
    const wa = w[S[a]!]!;
    if (Math.sign(z[a]!) !== Math.sign(wa)) {
      const ta = wa / (wa - z[a]!);
      if (ta < t) {
        t = ta;
        hit = a;
      }
    }
  }
  if (hit < 0) {
    let kkt = true;
    for (let j = 0; j < p && kkt; j++) {
      if (w[j] !== 0 || G[j * p + j] === 0) continue;
      let r = xty[j]!;
      for (let a = 0; a < k; a++) r -= G[j * p + S[a]!]! * z[a]!;
      if (Math.abs(r) > n * alpha) kkt = false;
    }
    for (let a = 0; a < k; a++) w[S[a]!] = z[a]!;
    if (kkt) return 'optimal';
  } else {
    for (let a = 0; a < k; a++) w[S[a]!] = a === hit ? 0 : w[S[a]!]! + t * (z[a]! - w[S[a]!]!);
  }
  for (let j = 0; j < p; j++) {
    let r = xty[j]!;
    for (let a = 0; a < k; a++) r -= G[j * p + S[a]!]! * w[S[a]!]!;
    q[j] = r;
  }
  return 'moved';
}

/**
 * Cholesky of G_SS broke down at pivot `a`: column S[a] is (numerically) a combination of S[0..a−1], so
 * v = (−G_BB⁻¹G_B,S[a], 1) on B ∪ {S[a]} leaves Xw (nearly) unchanged. On the face the objective along
 * w + tv is a quadratic in t with slope −qᵀv/n + αsᵀv and curvature vᵀGv/n; `w` moves to its minimum
 * clipped to the range where the signs hold ('moved' when a weight reached 0 there, the support
 * shrinking, else 'singular'). Never raises the objective.
 */
function stepAlongNullDirection(g: Gram, alpha: number, w: Float64Array, q: Float64Array, S: number[], L: Float64Array, a: number): 'moved' | 'singular' {
  const { n, p, G, xty } = g;
  const k = S.length;
  const v = new Float64Array(a + 1);
  for (let i = 0; i < a; i++) v[i] = G[S[i]! * p + S[a]!]!;
  solveCholeskyInPlace(L, k, a, v);
  for (let i = 0; i < a; i++) v[i] = -v[i]!;
  v[a] = 1;
  let slope = 0;
  let curvature = 0;
  let tLo = -Infinity;
  let tHi = Infinity;
  let hitLo = -1;
  let hitHi = -1;
  for (let i = 0; i <= a; i++) {
    const j = S[i]!;
    slope += -q[j]! * v[i]! + n * alpha * Math.sign(w[j]!) * v[i]!;
    let gv = 0;
    for (let t = 0; t <= a; t++) gv += G[j * p + S[t]!]! * v[t]!;
    curvature += v[i]! * gv;
    if (v[i] !== 0) {
      const ti = -w[j]! / v[i]!;
      if (ti > 0 && ti < tHi) [tHi, hitHi] = [ti, i];
      if (ti < 0 && ti > tLo) [tLo, hitLo] = [ti, i];
    }
  }
  let t = curvature > 0 ? -slope / curvature : slope < 0 ? Infinity : -Infinity;
  let hit = -1;
  if (t >= tHi) [t, hit] = [tHi, hitHi];
  else if (t <= tLo) [t, hit] = [tLo, hitLo];
  if (!Number.isFinite(t)) return 'singular';
  for (let i = 0; i <= a; i++) w[S[i]!] = i === hit ? 0 : w[S[i]!]! + t * v[i]!;
  for (let j = 0; j < p; j++) {
    let r = xty[j]!;
    for (const i of S) r -= G[j * p + i]! * w[i]!;
    q[j] = r;
  }
  return hit >= 0 ? 'moved' : 'singular';
}

/** XᵀX (row-major p×p, symmetric) and Xᵀy of centred data. */
interface Gram {
  n: number;
  p: number;
  G: Float64Array;
  xty: Float64Array;
}

function gram(c: Centred): Gram {
  const { n, p, cols, y } = c;
  const G = new Float64Array(p * p);
  const xty = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const a = cols[j]!;
    for (let k = 0; k <= j; k++) {
      const b = cols[k]!;
      let s = 0;
      for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
      G[j * p + k] = s;
      G[k * p + j] = s;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i]! * y[i]!;
    xty[j] = s;
  }
  return { n, p, G, xty };
}

function model(c: Centred, w: Float64Array, alpha: number): LinearModel {
  const coefficients = Array.from(w, (v, j) => v / c.scale[j]!);
  let intercept = c.yMean;
  for (let j = 0; j < c.p; j++) intercept -= c.xMean[j]! * coefficients[j]!;
  return {
    coefficients,
    intercept,
    lambda: alpha,
    predict(X: number[][]): number[] {
      const cols = assertFiniteMatrix('LassoModel.predict', 'X', X, 1);
      if (cols !== c.p) throw new RangeError(`LassoModel.predict: expected rows of ${c.p} features (as in training), got ${cols}`);
      return X.map((row) => row.reduce((s, v, j) => s + v * coefficients[j]!, intercept));
    },
  };
}

function validate(where: string, X: number[][], y: readonly number[]): void {
  assertFiniteMatrix(where, 'X', X, 2);
  assertFiniteVector(where, 'y', y, 2);
  assertSameLength(where, 'X', X, 'y', y);
}

/**
 * Lasso regression min (1/2n)‖y − b − Xw‖² + α‖w‖₁ with an unpenalised intercept, as sklearn
 * `Lasso(alpha)` (with `standardize`: `make_pipeline(StandardScaler(), Lasso(alpha))`). Coefficients
 * are returned in original feature units; `lambda` holds α.
 */
export function lassoFit(X: number[][], y: readonly number[], alpha: number, options: LassoOptions = {}): LinearModel {
  validate('lassoFit', X, y);
  if (typeof alpha !== 'number' || !(alpha >= 0) || !Number.isFinite(alpha))
    throw new RangeError(`lassoFit: expected \`alpha\` to be a finite number >= 0, got ${describeValue(alpha)}`);
  const c = centre(X, y, options.standardize ?? false);
  const w = new Float64Array(c.p);
  descend(c, alpha, w, options.tol ?? 1e-12, options.maxSweeps ?? 100_000);
  return model(c, w, alpha);
}

/** Options of {@link lassoCvFit}. */
export interface LassoCvOptions extends LassoOptions {
  /** Inner folds (contiguous, sklearn `KFold`). Default 5. */
  folds?: number;
  /** Penalties on the grid. Default 100. */
  alphas?: number;
  /** Smallest α as a fraction of α_max. Default 1e-3. */
  eps?: number;
}

/** A Lasso refitted with the α that inner cross-validation chose. */
export interface LassoCvModel extends LinearModel {
  /** The grid, descending from α_max = max|Xᵀy|/n. */
  alphas: number[];
  /** Mean held-out MSE per α (over the inner folds). */
  mse: number[];
}

/**
 * Lasso with α chosen by k-fold cross-validation, as sklearn `LassoCV(cv=folds)` (inside
 * `make_pipeline(StandardScaler(), …)` with `standardize`): the grid is `alphas` log-spaced values
 * from α_max = max|Xcᵀyc|/n (the smallest α giving w = 0) down to eps·α_max, computed on all rows;
 * each fold fits the path with warm starts on its centred training rows and scores MSE on its test
 * rows; the α with the lowest mean MSE (the first on ties) is refitted on all rows.
 */
export function lassoCvFit(X: number[][], y: readonly number[], options: LassoCvOptions = {}): LassoCvModel {
  validate('lassoCvFit', X, y);
  const folds = options.folds ?? 5;
  assertInteger('lassoCvFit', 'folds', folds, 2);
  const count = options.alphas ?? 100;
  assertInteger('lassoCvFit', 'alphas', count, 1);
  const eps = options.eps ?? 1e-3;
  const tol = options.tol ?? 1e-12;
  const maxSweeps = options.maxSweeps ?? 100_000;
  const standardize = options.standardize ?? false;
  // Standardise once on all rows (the pipeline's scaler sees the whole training set before LassoCV).
  const all = centre(X, y, standardize);
  const Xs = X.map((row) => row.map((v, j) => (standardize ? (v - all.xMean[j]!) / all.scale[j]! : v)));
  let alphaMax = 0;
  for (const col of all.cols) {
    let dot = 0;
    for (let i = 0; i < all.n; i++) dot += col[i]! * all.y[i]!;
    alphaMax = Math.max(alphaMax, Math.abs(dot) / all.n);
  }
  // np.logspace(log10(α_max·eps), log10(α_max), count)[::-1]
  const lo = Math.log10(alphaMax * eps);
  const hi = Math.log10(alphaMax);
  const alphas =
    alphaMax === 0
      ? new Array<number>(count).fill(0)
      : Array.from({ length: count }, (_, i) => 10 ** (count === 1 ? hi : lo + ((hi - lo) * (count - 1 - i)) / (count - 1)));
  const sums = new Array<number>(count).fill(0);
  for (const test of kFoldIndices(y.length, folds)) {
    const inTest = new Set(test);
    const trainRows = Xs.filter((_, i) => !inTest.has(i));
    const trainY = y.filter((_, i) => !inTest.has(i));
    const c = centre(trainRows, trainY, false);
    const w = new Float64Array(c.p);
    // Covariance form when a changed weight's O(p) update undercuts the residual form's O(n) dot and update.
    const g = c.p <= 2 * c.n ? gram(c) : null;
    alphas.forEach((alpha, a) => {
      if (g) descendGram(g, alpha, w, tol, maxSweeps, true);
      else descend(c, alpha, w, tol, maxSweeps);
      const m = model(c, w, alpha);
      const predicted = m.predict(test.map((i) => Xs[i]!));
      let sse = 0;
      test.forEach((i, t) => (sse += (y[i]! - predicted[t]!) ** 2));
      sums[a]! += sse / test.length;
    });
  }
  const mse = sums.map((s) => s / folds);
  let best = 0;
  for (let a = 1; a < count; a++) if (mse[a]! < mse[best]!) best = a;
  // The refit: lassoFit's cold-start descent on all rows (already centred as `all`), in covariance form
  // when cheaper but without face steps, so it stops where lassoFit's descent stops (up to rounding).
  const w = new Float64Array(all.p);
  if (all.p <= 2 * all.n) descendGram(gram(all), alphas[best]!, w, tol, maxSweeps, false);
  else descend(all, alphas[best]!, w, tol, maxSweeps);
  const fitted = model(all, w, alphas[best]!);
  return { ...fitted, alphas, mse };
}
