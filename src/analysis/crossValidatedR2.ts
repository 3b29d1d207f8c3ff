import { crossValidatePredictions, type CrossValidationResult } from './crossValidatePredictions.js';
import { kFoldIndices, validateFoldIndices } from './kFoldIndices.js';
import { ridgeFit } from './ridgeFit.js';
import { assertFiniteMatrix, assertFiniteVector, assertInteger, assertSameLength, describeValue } from './validateInput.js';

/** Options of {@link crossValidatedR2}. */
export interface CrossValidatedR2Options {
  /** Number of folds (ignored when `foldIndices` is given). Default 5. */
  folds?: number;
  /** 'ridge' (penalty `lambda`) or 'linear' (least squares). Default 'ridge'. */
  model?: 'linear' | 'ridge';
  /** Ridge penalty on standardized weights. Default 1. */
  lambda?: number;
  /** Shuffle samples before splitting with this seed; unset = contiguous folds like sklearn `KFold()`. */
  seed?: number;
  /** Scale features to unit SD inside each training fold. Default true. */
  standardize?: boolean;
  /** Explicit test indices per fold (overrides `folds` and `seed`). */
  foldIndices?: number[][];
}

/** Shared validation and fold construction of the cross-validated regressors. */
export function prepareCrossValidation(
  where: string,
  X: number[][],
  y: readonly number[],
  options: { folds?: number; seed?: number; foldIndices?: number[][] },
): number[][] {
  assertFiniteMatrix(where, 'X', X, 3);
  assertFiniteVector(where, 'y', y, 3);
  assertSameLength(where, 'X', X, 'y', y);
  if (options.foldIndices !== undefined) {
    validateFoldIndices(where, options.foldIndices, y.length);
    return options.foldIndices;
  }
  const folds = options.folds ?? 5;
  assertInteger(where, 'folds', folds, 2);
  if (folds > y.length) throw new RangeError(`${where}: expected \`folds\` <= number of samples (${y.length}), got \`${folds}\``);
  if (options.seed !== undefined) assertInteger(where, 'seed', options.seed, 0);
  return kFoldIndices(y.length, folds, options.seed);
}

/**
 * k-fold cross-validated R² of a linear or ridge regression: how much of y the features predict
 * on held-out samples (the paper's "activations predict alignment" test). Standardization and the
 * fit happen inside each training fold (no leakage). Matches sklearn
 * `r2_score(y, cross_val_predict(make_pipeline(StandardScaler(), Ridge(alpha)), X, y, cv=folds))`.
 */
export function crossValidatedR2(X: number[][], y: readonly number[], options: CrossValidatedR2Options = {}): CrossValidationResult {
  const folds = prepareCrossValidation('crossValidatedR2', X, y, options);
  const model = options.model ?? 'ridge';
  if (model !== 'ridge' && model !== 'linear') {
    throw new RangeError(`crossValidatedR2: expected \`model\` to be 'linear' or 'ridge', got ${describeValue(model)}`);
  }
  const lambda = model === 'linear' ? 0 : (options.lambda ?? 1);
  if (model === 'ridge' && (typeof lambda !== 'number' || !(lambda > 0) || !Number.isFinite(lambda))) {
    throw new RangeError(
      `crossValidatedR2: expected \`lambda\` to be a finite number > 0 for model 'ridge', got ${describeValue(lambda)}; use model 'linear' for no penalty`,
    );
  }
  const standardize = options.standardize ?? true;
  return crossValidatePredictions(X, y, folds, (trainX, trainY, testX) => ridgeFit(trainX, trainY, lambda, { standardize }).predict(testX));
}
