import { CholeskyDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { featureMoments } from './featureMoments.js';
import { assertFiniteMatrix, assertFiniteVector, assertSameLength, describeValue } from './validateInput.js';

/** A fitted (ridge) linear model in the original feature units. */
export interface LinearModel {
  /** One weight per feature, in original units (already divided by the feature scale when standardized). */
  coefficients: number[];
  /** Unpenalized intercept. */
  intercept: number;
  /** Penalty used (0 = ordinary least squares). */
  lambda: number;
  /** Predictions for new rows. */
  predict(X: number[][]): number[];
}

/**
 * Ridge regression min ‖y − b − Xw‖² + λ‖w‖² with an unpenalized intercept (center X and y, solve
 * (XᵀX + λI)w = Xᵀy by Cholesky, or the n×n dual system when p > n, b = ȳ − x̄ᵀw; sklearn `Ridge(alpha=λ)`). λ = 0 gives least squares
 * via SVD (minimum-norm when rank-deficient, like sklearn `LinearRegression`). With `standardize`,
 * features are scaled to unit population SD first (sklearn `StandardScaler`; constant features keep
 * scale 1), so λ penalizes standardized weights.
 */
export function ridgeFit(X: number[][], y: readonly number[], lambda: number, options: { standardize?: boolean } = {}): LinearModel {
  const p = assertFiniteMatrix('ridgeFit', 'X', X, 1);
  assertFiniteVector('ridgeFit', 'y', y, 1);
  assertSameLength('ridgeFit', 'X', X, 'y', y);
  if (typeof lambda !== 'number' || !(lambda >= 0) || !Number.isFinite(lambda)) {
    throw new RangeError(`ridgeFit: expected \`lambda\` to be a finite number >= 0, got ${describeValue(lambda)}`);
  }
  const n = X.length;
  const { xMean, yMean, scale } = featureMoments(X, y, options.standardize ?? false);
  const Xc = new Matrix(n, p);
  const yc = new Matrix(n, 1);
  for (let i = 0; i < n; i++) {
    yc.set(i, 0, y[i]! - yMean);
    for (let j = 0; j < p; j++) Xc.set(i, j, (X[i]![j]! - xMean[j]!) / scale[j]!);
  }
  let w: Matrix;
  if (lambda > 0 && p <= n) {
    // primal: (XᵀX + λI) w = Xᵀy, p×p
    const A = Xc.transpose().mmul(Xc);
    for (let j = 0; j < p; j++) A.set(j, j, A.get(j, j) + lambda);
    w = new CholeskyDecomposition(A).solve(Xc.transpose().mmul(yc));
  } else if (lambda > 0) {
    // dual, for p > n (e.g. raw activations): w = Xᵀ(XXᵀ + λI)⁻¹y, n×n
    const K = Xc.mmul(Xc.transpose());
    for (let i = 0; i < n; i++) K.set(i, i, K.get(i, i) + lambda);
    w = Xc.transpose().mmul(new CholeskyDecomposition(K).solve(yc));
  } else {
    // minimum-norm least squares; autoTranspose keeps ml-matrix's SVD accurate for wide X
    w = new SingularValueDecomposition(Xc, { autoTranspose: true }).solve(yc);
  }
  const coefficients = Array.from({ length: p }, (_, j) => w.get(j, 0) / scale[j]!);
  let intercept = yMean;
  for (let j = 0; j < p; j++) intercept -= xMean[j]! * coefficients[j]!;
  return {
    coefficients,
    intercept,
    lambda,
    predict(Xnew: number[][]): number[] {
      const cols = assertFiniteMatrix('LinearModel.predict', 'X', Xnew, 1);
      if (cols !== p) throw new RangeError(`LinearModel.predict: expected rows of ${p} features (as in training), got ${cols}`);
      return Xnew.map((row) => row.reduce((s, v, j) => s + v * coefficients[j]!, intercept));
    },
  };
}
