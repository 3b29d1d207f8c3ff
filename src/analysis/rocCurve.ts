import { validateScoresAndLabels } from './validateScoresAndLabels.js';

/** One point of a ROC curve: classifying `score >= threshold` as positive. */
export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold: number;
}

/** Result of {@link rocCurve}. */
export interface RocCurveResult {
  /** Points from (0, 0) at threshold +Infinity to (1, 1) at the lowest score; empty when a class is absent. */
  points: RocPoint[];
  /** Why `points` is empty. */
  reason?: string;
}

/**
 * ROC curve at every distinct score (sklearn `roc_curve(drop_intermediate=False)`; the first
 * threshold is +Infinity as in sklearn >= 1.3, where 1.2 used max score + 1). Labels: 1/true =
 * positive. Trapezoidal area under these points equals {@link auroc}.
 */
export function rocCurve(scores: readonly number[], labels: readonly (number | boolean)[]): RocCurveResult {
  const positive = validateScoresAndLabels('rocCurve', scores, labels);
  const P = positive.filter(Boolean).length;
  const N = positive.length - P;
  if (P === 0 || N === 0) return { points: [], reason: `a ROC curve needs both classes, got ${P} positive and ${N} negative labels` };
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (positive[i]) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) points.push({ fpr: fp / N, tpr: tp / P, threshold: scores[i]! });
  }
  return { points };
}
