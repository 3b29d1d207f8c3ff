import { max, mean, median, min } from './summaryStatistics.js';
import { assertFiniteMatrix } from './checkMatrix.js';
import {
  centeredPcaProjecting,
  centeredPcaWithGram,
  uncentredGram,
  type CenteredPca,
  type DeltaOf,
  type PcaComponents,
  type ProjectionRoute,
} from './centeredPca.js';
import type { Matrix } from './matrix.js';
import { meanDeltaRowMetricsFromSums } from './meanDeltaRowMetrics.js';
import { pcaRowMetricsOfProjection, pcaRowMetricsWithSums, type RowSums } from './pcaRowMetrics.js';
import { randomProjectionFractions } from './randomProjectionFractions.js';
import type { RowNorms } from './subtractMatrices.js';

/** Mean and median over prompts, skipping undefined (null) values; null when none is defined. */
export interface Summary {
  mean: number;
  median: number;
}
export interface RangeSummary extends Summary {
  min: number;
  max: number;
}

/** The paper code's per-prompt statistics of one layer, summarised (what `analyze --json` adds). */
export interface SubspaceStatisticsSummary {
  pca: { k: number; varianceShare: number | null; cumulativeExplainedVarianceRatio: number };
  evalDeltaVsTrainPca: {
    explainedL2Centered: Summary | null;
    explainedL2Raw: Summary | null;
    projectionFractionRaw: Summary | null;
    projectionFractionCentered: Summary | null;
    reconstructionCosine: RangeSummary | null;
    mahalanobis: Summary | null;
  };
  evalDeltaVsTrainMeanDelta: { cosine: Summary | null; scalarProjection: Summary | null; orthogonalNorm: Summary | null };
  deltaSize: { relativeNorm: Summary | null; beforeAfterCosine: Summary | null };
  promptSubspace: {
    k: number;
    projectionFraction: Summary | null;
    explainedL2: Summary | null;
    randomProjectionFraction: Summary | null;
    trainMeanCosine: Summary | null;
  };
}

/** Per-prompt columns (one value per eval row, `null` = undefined for that row), CSV order. */
export const PER_PROMPT_COLUMNS = [
  'explainedL2Centered',
  'explainedL2Raw',
  'projectionFractionRaw',
  'projectionFractionCentered',
  'reconstructionCosine',
  'mahalanobis',
  'meanDeltaCosine',
  'scalarProjection',
  'orthogonalNorm',
  'relativeNorm',
  'beforeAfterCosine',
  'promptProjectionFraction',
  'promptExplainedL2',
  'promptRandomProjectionFraction',
  'promptTrainMeanCosine',
] as const;
export type PerPromptColumn = (typeof PER_PROMPT_COLUMNS)[number];

export interface SubspaceStatistics {
  summary: SubspaceStatisticsSummary;
  perPrompt: Record<PerPromptColumn, (number | null)[]>;
  /** The train-delta PCA itself (for callers that reuse k). */
  trainDeltaPca: CenteredPca;
  /**
   * n×n products formed on the way, for `analyzeActivations` to reuse (null where the PCA ran on
   * the d×d side): the train delta's uncentred Gram ΔΔᵀ and the train *before* activations' centred
   * Gram (linear CKA's Kx).
   */
  grams: { trainDelta: Float64Array | null; trainBeforeCentred: Float64Array | null };
  /** Per-row sums of Δ_eval against the train-delta PCA's mean (the mean train delta): `meanDeltaCosineFromSums` reads them. */
  evalDeltaSums: RowSums;
}

/** Inputs: the four activation sets and the two deltas (after − before) already formed from them. */
export interface StatisticsInputs {
  trainBefore: Matrix;
  evalBefore: Matrix;
  evalAfter: Matrix;
  trainDelta: Matrix;
  evalDelta: Matrix;
  /** The eval set's per-row sums when the caller formed Δ_eval with `deltaWithRowNorms` (skips a pass). */
  evalRows?: RowNorms;
}

/**
 * The statistics the paper's code reports for one layer (issue 16 definitions): a centred PCA of the
 * train deltas (k by rank or variance share) and each eval delta against it; each eval delta against
 * the mean train delta; the delta size per eval prompt; and the *before* eval activations against a
 * centred PCA of the *before* train activations (same k rule), with a seeded random orthonormal
 * subspace of the same k as control. Throws on non-finite train activations or deltas.
 */
export function subspaceStatistics(inputs: StatisticsInputs, choice: PcaComponents, seed = 0): SubspaceStatistics {
  assertFiniteMatrix(inputs.trainDelta, 'PCA input');
  assertFiniteMatrix(inputs.trainBefore, 'PCA input');
  return subspaceStatisticsOfFinite(inputs, choice, seed);
}

/**
 * `subspaceStatistics` for inputs already checked finite (analyzeActivations validates each set once);
 * either delta may be given by its two sets, for the kernels to form it in their own memory.
 */
export function subspaceStatisticsOfFinite(
  inputs: Omit<StatisticsInputs, 'trainDelta' | 'evalDelta'> & { trainDelta: Matrix | DeltaOf; evalDelta: Matrix | DeltaOf },
  choice: PcaComponents,
  seed = 0,
  promptRoute: ProjectionRoute = 'auto',
): SubspaceStatistics {
  const { trainBefore, evalBefore, evalAfter, trainDelta, evalDelta } = inputs;
  const pcaParts = centeredPcaWithGram(trainDelta, choice);
  const pca = pcaParts.pca;
  // One pass over each eval set: the PCA measures and the mean-direction trio share its sums.
  const { metrics: vsPca, sums: deltaSums } = pcaRowMetricsWithSums(evalDelta, pca);
  const vsMean = meanDeltaRowMetricsFromSums(deltaSums.dotMean, deltaSums.norm2, deltaSums.meanNorm2); // the PCA mean is the mean train delta
  const size = inputs.evalRows ? deltaSizeFromRows(inputs.evalRows) : deltaSize(evalBefore, evalAfter);

  // At a large k (a share of a flat spectrum) the eval rows are projected from their cross products
  // with the train rows (no d×k V_k), and the random control's Gaussian is drawn into kernel memory.
  const promptParts = centeredPcaProjecting(trainBefore, choice, evalBefore, promptRoute);
  const promptPca = promptParts.pca;
  const promptSums = promptParts.projection.sums;
  const inPrompt = pcaRowMetricsOfProjection(promptParts.projection, promptPca.k, promptPca.explainedVariance);
  const randomFraction =
    promptPca.k > 0
      ? randomProjectionFractions(evalBefore, promptPca.mean, promptPca.k, seed, promptSums.centredNorm2, promptParts.route === 'gram' ? 'resident' : 'copy')
      : inPrompt.projectionFractionCentered;
  const trainMean = meanDeltaRowMetricsFromSums(promptSums.dotMean, promptSums.norm2, promptSums.meanNorm2);

  const perPrompt: Record<PerPromptColumn, (number | null)[]> = {
    explainedL2Centered: vsPca.explainedL2Centered,
    explainedL2Raw: vsPca.explainedL2Raw,
    projectionFractionRaw: vsPca.projectionFractionRaw,
    projectionFractionCentered: vsPca.projectionFractionCentered,
    reconstructionCosine: vsPca.reconstructionCosine,
    mahalanobis: vsPca.mahalanobis,
    meanDeltaCosine: vsMean.cosine,
    scalarProjection: vsMean.scalarProjection,
    orthogonalNorm: vsMean.orthogonalNorm,
    relativeNorm: size.relativeNorm,
    beforeAfterCosine: size.beforeAfterCosine,
    promptProjectionFraction: inPrompt.projectionFractionCentered,
    promptExplainedL2: inPrompt.explainedL2Raw,
    promptRandomProjectionFraction: randomFraction,
    promptTrainMeanCosine: trainMean.cosine,
  };
  const summary: SubspaceStatisticsSummary = {
    pca: { k: pca.k, varianceShare: pca.varianceShare, cumulativeExplainedVarianceRatio: pca.cumulativeExplainedVarianceRatio },
    evalDeltaVsTrainPca: {
      explainedL2Centered: summarise(vsPca.explainedL2Centered),
      explainedL2Raw: summarise(vsPca.explainedL2Raw),
      projectionFractionRaw: summarise(vsPca.projectionFractionRaw),
      projectionFractionCentered: summarise(vsPca.projectionFractionCentered),
      reconstructionCosine: summariseRange(vsPca.reconstructionCosine),
      mahalanobis: summarise(vsPca.mahalanobis),
    },
    evalDeltaVsTrainMeanDelta: {
      cosine: summarise(vsMean.cosine),
      scalarProjection: summarise(vsMean.scalarProjection),
      orthogonalNorm: summarise(vsMean.orthogonalNorm),
    },
    deltaSize: { relativeNorm: summarise(size.relativeNorm), beforeAfterCosine: summarise(size.beforeAfterCosine) },
    promptSubspace: {
      k: promptPca.k,
      projectionFraction: summarise(perPrompt.promptProjectionFraction),
      explainedL2: summarise(perPrompt.promptExplainedL2),
      randomProjectionFraction: summarise(perPrompt.promptRandomProjectionFraction),
      trainMeanCosine: summarise(perPrompt.promptTrainMeanCosine),
    },
  };
  return {
    summary,
    perPrompt,
    trainDeltaPca: pca,
    grams: { trainDelta: uncentredGram(pcaParts), trainBeforeCentred: promptParts.gram },
    evalDeltaSums: deltaSums,
  };
}

/** ‖after − before‖/‖before‖ and cos(before, after) per row; null where a norm is zero. */
export function deltaSize(before: Matrix, after: Matrix): { relativeNorm: (number | null)[]; beforeAfterCosine: (number | null)[] } {
  const { rows: n, cols: d } = before;
  const a = after.data;
  const b = before.data;
  const relativeNorm: (number | null)[] = [];
  const beforeAfterCosine: (number | null)[] = [];
  for (let r = 0; r < n; r++) {
    let bb = 0;
    let aa = 0;
    let ab = 0;
    let dd = 0;
    for (let c = r * d; c < (r + 1) * d; c++) {
      const x = b[c]!;
      const y = a[c]!;
      bb += x * x;
      aa += y * y;
      ab += x * y;
      dd += (y - x) * (y - x);
    }
    relativeNorm.push(bb === 0 ? null : Math.sqrt(dd / bb));
    beforeAfterCosine.push(bb === 0 || aa === 0 ? null : Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb))));
  }
  return { relativeNorm, beforeAfterCosine };
}

/** `deltaSize` from per-row sums already formed (`deltaWithRowNorms`): the same formulas. */
function deltaSizeFromRows(rows: RowNorms): { relativeNorm: (number | null)[]; beforeAfterCosine: (number | null)[] } {
  const relativeNorm: (number | null)[] = [];
  const beforeAfterCosine: (number | null)[] = [];
  for (let r = 0; r < rows.before2.length; r++) {
    const bb = rows.before2[r]!;
    const aa = rows.after2[r]!;
    relativeNorm.push(bb === 0 ? null : Math.sqrt(rows.delta2[r]! / bb));
    beforeAfterCosine.push(bb === 0 || aa === 0 ? null : Math.max(-1, Math.min(1, rows.dot[r]! / Math.sqrt(aa * bb))));
  }
  return { relativeNorm, beforeAfterCosine };
}

function defined(values: readonly (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null);
}

/** Mean and median of the defined values; null when there are none. */
export function summarise(values: readonly (number | null)[]): Summary | null {
  const xs = defined(values);
  return xs.length === 0 ? null : { mean: mean(xs), median: median(xs) };
}

function summariseRange(values: readonly (number | null)[]): RangeSummary | null {
  const xs = defined(values);
  return xs.length === 0 ? null : { mean: mean(xs), median: median(xs), min: min(xs), max: max(xs) };
}
