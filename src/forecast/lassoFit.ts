import type { LinearModel } from '../analysis/ridgeFit.js';
import { assertFiniteMatrix, assertFiniteVector, assertSameLength } from '../analysis/validateInput.js';

/**
 * Lasso by cyclic coordinate descent: min (1/2n)‖y − b − Xw‖² + α‖w‖₁ with an unpenalized
 * intercept, sklearn `Lasso(alpha=α)`'s objective (Friedman, Hastie & Tibshirani 2010, eq. 5–6:
 * w_j ← S(x_jᵀr_j / n, α) / (x_jᵀx_j / n)). With `standardize`, features are scaled to unit
 * population SD first and the weights are returned in original units.
 */
export function lassoFit(
  X: number[][],
  y: readonly number[],
  alpha: number,
  options: { standardize?: boolean; maxIter?: number; tol?: number } = {},
): LinearModel {
  const p = assertFiniteMatrix('lassoFit', 'X', X, 1);
  assertFiniteVector('lassoFit', 'y', y, 1);
  assertSameLength('lassoFit', 'X', X, 'y', y);
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new RangeError(`lassoFit: expected \`alpha\` to be a finite number >= 0, got \`${String(alpha)}\``);
  const n = X.length;
  const maxIter = options.maxIter ?? 10000;
  const tol = options.tol ?? 1e-10;
  const mean = new Float64Array(p);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    yMean += y[i]!;
    for (let j = 0; j < p; j++) mean[j]! += X[i]![j]!;
  }
  yMean /= n;
  for (let j = 0; j < p; j++) mean[j]! /= n;
  const scale = new Float64Array(p).fill(1);
  // Column-major centred (and scaled) copy: coordinate descent walks columns.
  const cols = Array.from({ length: p }, () => new Float64Array(n));
  for (let j = 0; j < p; j++) {
    const c = cols[j]!;
    for (let i = 0; i < n; i++) c[i] = X[i]![j]! - mean[j]!;
    if (options.standardize) {
      let ss = 0;
      for (let i = 0; i < n; i++) ss += c[i]! * c[i]!;
      const sd = Math.sqrt(ss / n);
      scale[j] = sd > 0 ? sd : 1;
      for (let i = 0; i < n; i++) c[i]! /= scale[j]!;
    }
  }
  const norm = cols.map((c) => c.reduce((s, v) => s + v * v, 0) / n);
  const w = new Float64Array(p);
  const r = Float64Array.from(y, (v) => v - yMean);
  for (let iter = 0; iter < maxIter; iter++) {
    let maxChange = 0;
    let maxW = 0;
    for (let j = 0; j < p; j++) {
      if (norm[j]! === 0) continue;
      const c = cols[j]!;
      let rho = 0;
      for (let i = 0; i < n; i++) rho += c[i]! * r[i]!;
      rho = rho / n + norm[j]! * w[j]!;
      const next = (Math.sign(rho) * Math.max(Math.abs(rho) - alpha, 0)) / norm[j]!;
      const d = next - w[j]!;
      if (d !== 0) {
        for (let i = 0; i < n; i++) r[i]! -= d * c[i]!;
        w[j] = next;
      }
      maxChange = Math.max(maxChange, Math.abs(d));
      maxW = Math.max(maxW, Math.abs(next));
    }
    if (maxChange <= tol * Math.max(1, maxW)) break;
  }
  const coefficients = Array.from(w, (v, j) => v / scale[j]!);
  const intercept = yMean - coefficients.reduce((s, c, j) => s + c * mean[j]!, 0);
  return {
    coefficients,
    intercept,
    lambda: alpha,
    predict: (rows: number[][]) => rows.map((row) => intercept + row.reduce((s, v, j) => s + v * coefficients[j]!, 0)),
  };
}
