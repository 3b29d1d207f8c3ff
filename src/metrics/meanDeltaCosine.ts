import { assertFiniteMatrix } from './checkMatrix.js';
import type { Matrix } from './matrix.js';

/** Distribution of per-probe cosines between eval deltas and the mean train delta. */
export interface MeanDeltaCosine {
  mean: number;
  median: number;
  q10: number;
  q25: number;
  q75: number;
  q90: number;
  /** One cosine per eval row that moved, in row order (rows listed in `excludedRows` skipped). */
  values: number[];
  /** Eval rows whose delta is exactly zero: no direction, so no cosine; left out, not counted as 0. */
  excludedRows: number[];
}

/**
 * cos(Δ_eval,i, mean_j Δ_train,j) per eval probe, summarised by mean, median and quantiles (linear
 * interpolation, NumPy's default). The mean train delta is the "EM direction" of Zhang et al. (2026):
 * a high mean cosine says the narrow fine-tune moved unrelated prompts the same way. `null` when the
 * mean train delta is zero or no eval row moved. Zero eval rows are excluded (see `excludedRows`)
 * so that frozen probes do not dilute the statistic.
 */
export function meanDeltaCosine(evalDelta: Matrix, trainDelta: Matrix): MeanDeltaCosine | null {
  if (evalDelta.cols !== trainDelta.cols) {
    throw new Error(
      `shape mismatch: eval delta is ${evalDelta.rows}×${evalDelta.cols}, train delta is ${trainDelta.rows}×${trainDelta.cols}; both need the same number of features (cols)`,
    );
  }
  assertFiniteMatrix(evalDelta, 'eval delta');
  assertFiniteMatrix(trainDelta, 'train delta');
  return meanDeltaCosineOfFinite(evalDelta, trainDelta);
}

/** `meanDeltaCosine` for deltas already checked finite and of matching width (analyzeActivations). */
export function meanDeltaCosineOfFinite(evalDelta: Matrix, trainDelta: Matrix): MeanDeltaCosine | null {
  const d = trainDelta.cols;
  if (trainDelta.rows === 0) return null;
  const mean = new Float64Array(d);
  for (let r = 0; r < trainDelta.rows; r++) {
    for (let c = 0; c < d; c++) mean[c] = mean[c]! + trainDelta.data[r * d + c]!;
  }
  let meanNorm2 = 0;
  for (let c = 0; c < d; c++) {
    mean[c] = mean[c]! / trainDelta.rows;
    meanNorm2 += mean[c]! * mean[c]!;
  }
  if (meanNorm2 === 0) return null;
  const dots = new Float64Array(evalDelta.rows);
  const norms2 = new Float64Array(evalDelta.rows);
  for (let r = 0; r < evalDelta.rows; r++) {
    let dot = 0;
    let norm = 0;
    for (let c = 0; c < d; c++) {
      const x = evalDelta.data[r * d + c]!;
      dot += x * mean[c]!;
      norm += x * x;
    }
    dots[r] = dot;
    norms2[r] = norm;
  }
  return meanDeltaCosineFromSums(dots, norms2, meanNorm2);
}

/**
 * `meanDeltaCosineOfFinite` from per-row sums already formed: δ·t̄ and ‖δ‖² for each eval row δ,
 * and ‖t̄‖² of the mean train delta t̄ (`pcaRowMetricsWithSums` against the train-delta PCA, whose
 * mean is t̄ summed in the same order, forms exactly these): the same numbers without two more passes.
 */
export function meanDeltaCosineFromSums(dots: ArrayLike<number>, norms2: ArrayLike<number>, meanNorm2: number): MeanDeltaCosine | null {
  const meanNorm = Math.sqrt(meanNorm2);
  if (meanNorm === 0) return null;
  const values: number[] = [];
  const excludedRows: number[] = [];
  for (let r = 0; r < dots.length; r++) {
    const norm = norms2[r]!;
    if (norm === 0) excludedRows.push(r);
    else values.push(Math.max(-1, Math.min(1, dots[r]! / (Math.sqrt(norm) * meanNorm))));
  }
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    median: quantile(sorted, 0.5),
    q10: quantile(sorted, 0.1),
    q25: quantile(sorted, 0.25),
    q75: quantile(sorted, 0.75),
    q90: quantile(sorted, 0.9),
    values,
    excludedRows,
  };
}

/** Linear-interpolation quantile of sorted values (NumPy `method='linear'`, Hyndman & Fan type 7). */
function quantile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
