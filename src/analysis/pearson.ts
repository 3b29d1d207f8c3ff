import { correlationInference, type CorrelationResult } from './correlationResult.js';
import { assertFiniteVector, assertOpenUnit, assertSameLength } from './validateInput.js';

/** Options of {@link pearson} and {@link spearman}. */
export interface CorrelationOptions {
  /** Confidence level of the interval. Default 0.95. */
  confidence?: number;
}

/** Validates paired inputs shared by the correlation functions. */
export function validatePairs(where: string, x: unknown, y: unknown, confidence: unknown): void {
  assertFiniteVector(where, 'x', x, 0);
  assertFiniteVector(where, 'y', y, 0);
  assertSameLength(where, 'x', x, 'y', y);
  if (x.length < 3) throw new RangeError(`${where}: expected at least 3 pairs, got ${x.length}; collect more observations`);
  assertOpenUnit(where, 'confidence', confidence);
}

/** Pearson's r by the two-pass formula Σ(x−x̄)(y−ȳ)/√(Σ(x−x̄)²·Σ(y−ȳ)²); `null` with a reason when an input is constant. */
export function pearsonR(x: ArrayLike<number>, y: ArrayLike<number>): { r: number | null; reason?: string } {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx === 0) return { r: null, reason: '`x` is constant, so the correlation is undefined' };
  if (syy === 0) return { r: null, reason: '`y` is constant, so the correlation is undefined' };
  return { r: sxy / Math.sqrt(sxx * syy) };
}

/**
 * Pearson correlation with two-sided p-value (t test, n − 2 df; matches scipy.stats.pearsonr)
 * and Fisher-z confidence interval (matches pearsonr(...).confidence_interval()). Needs n >= 3.
 */
export function pearson(x: readonly number[], y: readonly number[], options: CorrelationOptions = {}): CorrelationResult {
  const confidence = options.confidence ?? 0.95;
  validatePairs('pearson', x, y, confidence);
  const { r, reason } = pearsonR(x, y);
  if (r === null) return { r: null, n: x.length, p: null, ci: null, confidence, reason: reason! };
  return correlationInference(r, x.length, confidence, 1);
}
