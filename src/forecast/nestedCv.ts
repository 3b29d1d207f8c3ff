import { kFoldIndices } from '../analysis/kFoldIndices.js';
import { ridgeFit, type LinearModel } from '../analysis/ridgeFit.js';
import { lassoFit } from '../analysis/lassoFit.js';

/** One regression the forecast may use: ridge (sklearn `Ridge(alpha=λ)` scale) or Lasso (sklearn `Lasso(alpha=λ)` scale), standardized features. */
export interface Candidate {
  kind: 'ridge' | 'lasso';
  lambda: number;
}

/** The grid nested CV chooses from. */
export const FORECAST_CANDIDATES: readonly Candidate[] = [
  ...[0.01, 0.1, 1, 10, 100].map((lambda) => ({ kind: 'ridge' as const, lambda })),
  ...[0.0003, 0.001, 0.003, 0.01, 0.03, 0.1].map((lambda) => ({ kind: 'lasso' as const, lambda })),
];

export function fitCandidate(c: Candidate, X: number[][], y: number[]): LinearModel {
  return c.kind === 'ridge' ? ridgeFit(X, y, c.lambda, { standardize: true }) : lassoFit(X, y, c.lambda, { standardize: true });
}

/** Pooled out-of-fold R² = 1 − SSE/SST (sklearn `r2_score(y, cross_val_predict(...))`). */
export function r2Score(y: readonly number[], yhat: readonly number[]): number {
  const m = y.reduce((a, b) => a + b, 0) / y.length;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < y.length; i++) {
    sse += (y[i]! - yhat[i]!) ** 2;
    sst += (y[i]! - m) ** 2;
  }
  return sst > 0 ? 1 - sse / sst : 0;
}

function take<T>(xs: readonly T[], idx: readonly number[]): T[] {
  return idx.map((i) => xs[i]!);
}

function complement(n: number, test: readonly number[]): number[] {
  const s = new Set(test);
  return Array.from({ length: n }, (_, i) => i).filter((i) => !s.has(i));
}

/** Forecasts are rates: a linear fit's prediction is clipped to [0, 1] (everything here predicts through this). */
export function clip01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/** Out-of-fold predictions of one candidate (clipped to [0, 1]). */
export function outOfFold(c: Candidate, X: number[][], y: number[], folds: number[][]): number[] {
  const pred = new Array<number>(y.length).fill(0);
  for (const test of folds) {
    const train = complement(y.length, test);
    const m = fitCandidate(c, take(X, train), take(y, train));
    m.predict(take(X, test)).forEach((p, k) => (pred[test[k]!] = clip01(p)));
  }
  return pred;
}

/** The candidate with the best k-fold R² (first wins ties: the grid lists stronger models first within each kind). */
export function selectCandidate(X: number[][], y: number[], folds: number, seed: number): { candidate: Candidate; r2: number } {
  const f = kFoldIndices(y.length, Math.min(folds, y.length), seed);
  let best: { candidate: Candidate; r2: number } | null = null;
  for (const c of FORECAST_CANDIDATES) {
    const r2 = r2Score(y, outOfFold(c, X, y, f));
    if (!best || r2 > best.r2 + 1e-12) best = { candidate: c, r2 };
  }
  return best!;
}

export interface NestedCvResult {
  /** Pooled outer out-of-fold R². */
  r2: number;
  /** Outer out-of-fold prediction per sample. */
  predictions: number[];
  /** The candidate chosen by the inner CV of each outer fold. */
  selected: Candidate[];
  outerFolds: number;
  innerFolds: number;
  seed: number;
}

/**
 * Nested cross-validation (Varma & Simon 2006): each outer fold's model (ridge or Lasso and its
 * penalty) is chosen by an inner CV on the outer training part only, so the outer R² is not
 * inflated by the choice.
 */
export function nestedCv(X: number[][], y: number[], options: { outerFolds?: number; innerFolds?: number; seed?: number } = {}): NestedCvResult {
  const outerFolds = options.outerFolds ?? 5;
  const innerFolds = options.innerFolds ?? 4;
  const seed = options.seed ?? 1;
  const folds = kFoldIndices(y.length, outerFolds, seed);
  const predictions = new Array<number>(y.length).fill(0);
  const selected: Candidate[] = [];
  for (const test of folds) {
    const train = complement(y.length, test);
    const Xt = take(X, train);
    const yt = take(y, train);
    const { candidate } = selectCandidate(Xt, yt, innerFolds, seed + 1);
    selected.push(candidate);
    fitCandidate(candidate, Xt, yt)
      .predict(take(X, test))
      .forEach((p, k) => (predictions[test[k]!] = clip01(p)));
  }
  return { r2: r2Score(y, predictions), predictions, selected, outerFolds, innerFolds, seed };
}
