import { averageRanks } from './averageRanks.js';
import { correlationInference, type CorrelationResult } from './correlationResult.js';
import { pearsonR, validatePairs, type CorrelationOptions } from './pearson.js';

/**
 * Spearman's ρ: Pearson's r of average ranks (ties share their mean rank; scipy.stats.spearmanr).
 * p: t approximation on n − 2 df, as scipy. CI: Fisher z with the Bonett–Wright (2000) standard
 * error √((1 + ρ²/2)/(n − 3)), which covers better than 1/√(n − 3) for rank correlations.
 */
export function spearman(x: readonly number[], y: readonly number[], options: CorrelationOptions = {}): CorrelationResult {
  const confidence = options.confidence ?? 0.95;
  validatePairs('spearman', x, y, confidence);
  const { r, reason } = pearsonR(averageRanks(x), averageRanks(y));
  if (r === null) return { r: null, n: x.length, p: null, ci: null, confidence, reason: reason! };
  return correlationInference(r, x.length, confidence, Math.sqrt(1 + (r * r) / 2));
}
