import { averageRanks } from './averageRanks.js';
import { validateScoresAndLabels } from './validateScoresAndLabels.js';

/** Result of {@link auroc}. */
export interface AurocResult {
  /** Area under the ROC curve, or `null` when one class is absent. */
  auc: number | null;
  nPositive: number;
  nNegative: number;
  /** Why `auc` is `null`. */
  reason?: string;
}

/**
 * AUROC as the Mann–Whitney statistic: P(score of a positive > score of a negative), ties counting
 * ½, = (Σ ranks of positives − n₊(n₊+1)/2)/(n₊n₋) with average ranks (Hanley & McNeil 1982;
 * equals sklearn `roc_auc_score`). Labels: 1/true = positive.
 */
export function auroc(scores: readonly number[], labels: readonly (number | boolean)[]): AurocResult {
  const positive = validateScoresAndLabels('auroc', scores, labels);
  const nPositive = positive.filter(Boolean).length;
  const nNegative = positive.length - nPositive;
  if (nPositive === 0 || nNegative === 0) {
    return { auc: null, nPositive, nNegative, reason: `AUROC needs both classes, got ${nPositive} positive and ${nNegative} negative labels` };
  }
  const ranks = averageRanks(scores);
  let rankSum = 0;
  for (let i = 0; i < ranks.length; i++) if (positive[i]) rankSum += ranks[i]!;
  return { auc: (rankSum - (nPositive * (nPositive + 1)) / 2) / (nPositive * nNegative), nPositive, nNegative };
}
