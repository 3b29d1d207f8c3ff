import { normalQuantile } from './normal.js';
import { studentTTwoSidedP } from './studentT.js';

/** A correlation coefficient with its two-sided p-value and confidence interval. */
export interface CorrelationResult {
  /** The coefficient, or `null` when undefined (constant input); see `reason`. */
  r: number | null;
  /** Number of pairs used. */
  n: number;
  /** Two-sided p-value of H0: ρ = 0 (t test with n − 2 df), or `null` when undefined. */
  p: number | null;
  /** Confidence interval (Fisher z), or `null` when undefined (n < 4 or r undefined). */
  ci: [number, number] | null;
  /** Confidence level of `ci`. */
  confidence: number;
  /** Why a field is `null`; absent when all fields are defined. */
  reason?: string;
}

/**
 * p-value and Fisher-z interval for a correlation r from n pairs. p: t = r·√((n−2)/(1−r²)) on
 * n − 2 df (scipy `pearsonr`/`spearmanr`). CI: tanh(atanh r ± z_{1−α/2}·se), se = seScale/√(n−3)
 * (Fisher 1921; seScale = 1 for Pearson, √(1 + r²/2) for Spearman per Bonett & Wright 2000).
 */
export function correlationInference(r: number, n: number, confidence: number, seScale: number): CorrelationResult {
  const rr = Math.max(-1, Math.min(1, r));
  let p: number;
  if (Math.abs(rr) === 1) p = 0;
  else p = studentTTwoSidedP(rr * Math.sqrt((n - 2) / ((1 - rr) * (1 + rr))), n - 2);
  if (n < 4) return { r: rr, n, p, ci: null, confidence, reason: `a Fisher-z interval needs n >= 4 pairs, got ${n}` };
  if (Math.abs(rr) === 1) return { r: rr, n, p, ci: [rr, rr], confidence };
  const z = Math.atanh(rr);
  const half = (normalQuantile(1 - (1 - confidence) / 2) * seScale) / Math.sqrt(n - 3);
  return { r: rr, n, p, ci: [Math.tanh(z - half), Math.tanh(z + half)], confidence };
}
