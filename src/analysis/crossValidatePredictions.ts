/** Out-of-fold predictions and R² of a k-fold cross-validation. */
export interface CrossValidationResult {
  /** Pooled out-of-fold R² = 1 − Σ(y − ŷ)²/Σ(y − ȳ)² over all samples (sklearn `r2_score(y, cross_val_predict(...))`); `null` if y is constant. */
  r2: number | null;
  /** R² within each test fold (sklearn `cross_val_score`); `null` for a fold with constant y or one sample. */
  foldR2: (number | null)[];
  /** Out-of-fold prediction for every sample, in input order. */
  predictions: number[];
  /** Test indices of each fold. */
  folds: number[][];
  /** Why `r2` is `null`. */
  reason?: string;
}

/** A model trained on one fold's training rows that predicts its test rows. */
export type FitPredict = (trainX: number[][], trainY: number[], testX: number[][]) => number[];

/** R² = 1 − SSE/SST of predictions against targets, `null` when SST = 0 or fewer than 2 samples. */
export function r2Score(y: readonly number[], predicted: readonly number[]): number | null {
  if (y.length < 2) return null;
  let mean = 0;
  for (const v of y) mean += v;
  mean /= y.length;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < y.length; i++) {
    sse += (y[i]! - predicted[i]!) ** 2;
    sst += (y[i]! - mean) ** 2;
  }
  return sst === 0 ? null : 1 - sse / sst;
}

/** Runs `fitPredict` once per fold (train on the rest, predict the fold) and scores the out-of-fold predictions. */
export function crossValidatePredictions(X: number[][], y: readonly number[], folds: number[][], fitPredict: FitPredict): CrossValidationResult {
  const n = y.length;
  const predictions = new Array<number>(n).fill(0);
  const foldR2: (number | null)[] = [];
  for (const test of folds) {
    const inTest = new Uint8Array(n);
    for (const i of test) inTest[i] = 1;
    const trainX: number[][] = [];
    const trainY: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!inTest[i]) {
        trainX.push(X[i]!);
        trainY.push(y[i]!);
      }
    }
    const predicted = fitPredict(
      trainX,
      trainY,
      test.map((i) => X[i]!),
    );
    test.forEach((i, k) => (predictions[i] = predicted[k]!));
    foldR2.push(
      r2Score(
        test.map((i) => y[i]!),
        predicted,
      ),
    );
  }
  const r2 = r2Score(y, predictions);
  return r2 === null ? { r2, foldR2, predictions, folds, reason: '`y` is constant, so R² is undefined' } : { r2, foldR2, predictions, folds };
}
