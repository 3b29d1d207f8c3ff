import { RandomForestRegression } from 'ml-random-forest';
import { crossValidatePredictions, type CrossValidationResult } from './crossValidatePredictions.js';
import { prepareCrossValidation } from './crossValidatedR2.js';
import { assertInteger, describeValue } from './validateInput.js';

/** Options of {@link randomForestR2}. */
export interface RandomForestR2Options {
  /** Number of folds (ignored when `foldIndices` is given). Default 5. */
  folds?: number;
  /** Seeds both the fold shuffle (when set) and the forest's bagging. Default: contiguous folds, forest seed 42. */
  seed?: number;
  /** Explicit test indices per fold. */
  foldIndices?: number[][];
  /** Trees per forest. Default 100. */
  nEstimators?: number;
  /** Features per tree: a fraction in (0, 1] or an integer count. Default 1.0 (all). */
  maxFeatures?: number;
  /** Options passed to ml-cart's regression tree (e.g. `{ maxDepth: 6, minNumSamples: 3 }`). */
  treeOptions?: Record<string, unknown>;
}

/**
 * k-fold cross-validated R² of a random-forest regressor (mljs `ml-random-forest`, bagged CART
 * trees with per-tree feature subsets): the non-linear comparison for {@link crossValidatedR2}.
 * Deterministic for a given seed.
 */
export function randomForestR2(X: number[][], y: readonly number[], options: RandomForestR2Options = {}): CrossValidationResult {
  const folds = prepareCrossValidation('randomForestR2', X, y, options);
  const nEstimators = options.nEstimators ?? 100;
  assertInteger('randomForestR2', 'nEstimators', nEstimators, 1);
  const maxFeatures = options.maxFeatures ?? 1.0;
  const cols = X[0]!.length;
  if (typeof maxFeatures !== 'number' || !(maxFeatures > 0) || (maxFeatures > 1 && (!Number.isInteger(maxFeatures) || maxFeatures > cols))) {
    throw new RangeError(
      `randomForestR2: expected \`maxFeatures\` to be a fraction in (0, 1] or an integer in [1, ${cols}], got ${describeValue(maxFeatures)}`,
    );
  }
  const seed = options.seed ?? 42;
  return crossValidatePredictions(X, y, folds, (trainX, trainY, testX) => {
    const forest = new RandomForestRegression({
      nEstimators,
      maxFeatures,
      seed,
      replacement: false,
      useSampleBagging: true,
      noOOB: true,
      treeOptions: options.treeOptions ?? {},
    });
    forest.train(trainX, trainY);
    return forest.predict(testX);
  });
}
