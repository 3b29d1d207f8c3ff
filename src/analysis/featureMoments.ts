/** What a linear fit with an unpenalised intercept centres (and, standardised, scales) its data by. */
export interface FeatureMoments {
  /** Column means of X. */
  xMean: number[];
  /** Mean of y. */
  yMean: number;
  /** Population SD of each column with `standardize` (sklearn `StandardScaler`; a constant column keeps 1), else all 1. */
  scale: number[];
}

/** Column means, the mean of y and the feature scales of n×p rows X (n ≥ 1, p taken from the first row). */
export function featureMoments(X: readonly (readonly number[])[], y: readonly number[], standardize: boolean): FeatureMoments {
  const n = X.length;
  const p = X[0]!.length;
  const xMean = new Array<number>(p).fill(0);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    yMean += y[i]!;
    for (let j = 0; j < p; j++) xMean[j]! += X[i]![j]!;
  }
  yMean /= n;
  for (let j = 0; j < p; j++) xMean[j]! /= n;
  const scale = new Array<number>(p).fill(1);
  if (standardize) {
    for (let j = 0; j < p; j++) {
      let ss = 0;
      for (let i = 0; i < n; i++) {
        const c = X[i]![j]! - xMean[j]!;
        ss += c * c;
      }
      const sd = Math.sqrt(ss / n);
      scale[j] = sd > 0 ? sd : 1;
    }
  }
  return { xMean, yMean, scale };
}
