import { centeredPca } from '../metrics/centeredPca.js';
import { fromRows } from '../metrics/matrix.js';
import { randomOrthonormalBasis } from '../metrics/randomOrthonormalBasis.js';
import { r2Score } from './crossValidatePredictions.js';
import { kFoldIndices } from './kFoldIndices.js';
import { lassoCvFit } from './lassoFit.js';
import { nadeauBengio, type NadeauBengioResult } from './nadeauBengio.js';
import { permutationTest } from './permutationTest.js';
import { quantileSorted } from './quantile.js';
import { ridgeFit } from './ridgeFit.js';
import { seededRandom } from '../util/seededRandom.js';

/** Options of {@link withinTrainPredictor}. */
export interface WithinTrainOptions {
  /** Top principal components (and as many random directions) as features. Default 150 (the paper's). */
  components?: number;
  /** Repeats × folds of the outer CV. Default 5 × 10. */
  repeats?: number;
  folds?: number;
  /** Inner folds and α-grid size of LassoCV. Default 5 and 30 (sklearn's 100 cost 3x for the same choice here). */
  innerFolds?: number;
  alphas?: number;
  /** Bootstrap resamples of the fold scores. Default 1000. */
  bootstrap?: number;
  /** Permutations of the target (one 10-fold repeat each); 0 skips. Default 200. */
  permutations?: number;
  seed?: number;
}

/** One model on one feature set: repeated-CV R² with the paper's intervals and tests. */
export interface PredictorScore {
  /** Mean over the repeats·folds held-out fold R². */
  meanR2: number;
  /** Nadeau–Bengio corrected interval and t-test of (model R² − mean-predictor R²) per fold. */
  vsMean: NadeauBengioResult;
  /** Nadeau–Bengio 95 % interval of the model's R² itself. */
  interval: [number, number];
  /** Percentile 95 % interval of the mean fold R² from `bootstrap` resamples of the fold scores. */
  bootstrapInterval: [number, number];
  /** One-sided permutation p of the mean R² of one CV repeat (targets shuffled), or null when skipped. */
  permutationP: number | null;
}

export interface WithinTrainResult {
  n: number;
  /** Features per set (min(components, n − 1, d, rank)). */
  features: number;
  pc: { ols: PredictorScore; lasso: PredictorScore };
  random: { ols: PredictorScore; lasso: PredictorScore };
}

/**
 * The paper's within-train predictor: from the *pre*-fine-tune activations A (n prompts × d) predict
 * each prompt's post-fine-tune score y. Features: per-prompt energies (squared centred projections)
 * on the top-m principal components of A, and, as the paper's control, on m seeded random orthonormal
 * directions. Models: standardised OLS (minimum-norm, sklearn `LinearRegression`) and standardised
 * Lasso with α by inner CV (`lassoCvFit`). Judged by repeated k-fold CV with the Nadeau–Bengio
 * corrected interval and t-test against the mean predictor, a bootstrap interval and a permutation test.
 * The PCA is fitted on all prompts (unsupervised: it never sees y).
 */
export function withinTrainPredictor(activations: number[][], y: readonly number[], options: WithinTrainOptions = {}): WithinTrainResult {
  const A = fromRows(activations);
  const n = A.rows;
  const d = A.cols;
  if (n !== y.length) throw new RangeError(`withinTrainPredictor: ${n} activation rows but ${y.length} targets`);
  const components = options.components ?? 150;
  const repeats = options.repeats ?? 5;
  const folds = options.folds ?? 10;
  const seed = options.seed ?? 1;
  const pca = centeredPca(A, { rank: Math.max(1, Math.min(components, n - 1, d)) });
  const m = pca.k;
  if (m === 0) throw new RangeError('withinTrainPredictor: the activations do not vary across prompts: no components');
  const energies = (basis: ArrayLike<number>) =>
    activations.map((row) => {
      const out = new Array<number>(m).fill(0);
      for (let j = 0; j < m; j++) {
        let c = 0;
        for (let t = 0; t < d; t++) c += (row[t]! - pca.mean[t]!) * basis[t * m + j]!;
        out[j] = c * c;
      }
      return out;
    });
  const pcX = energies(pca.components.data);
  const randomX = energies(randomOrthonormalBasis(d, m, seed).data);
  const splits = Array.from({ length: repeats }, (_, r) => kFoldIndices(n, folds, seed + r));
  const lasso = (X: number[][], yy: number[], test: number[][]) =>
    lassoCvFit(X, yy, { standardize: true, folds: options.innerFolds ?? 5, alphas: options.alphas ?? 30, tol: 1e-6 }).predict(test);
  const ols = (X: number[][], yy: number[], test: number[][]) => ridgeFit(X, yy, 0, { standardize: true }).predict(test);
  const score = (X: number[][], fit: typeof ols): PredictorScore => {
    const model: number[] = [];
    const diff: number[] = [];
    for (const split of splits) {
      for (const test of split) {
        const { trainX, trainY, testX, testY } = partition(X, y, test);
        const r2 = r2Score(testY, fit(trainX, trainY, testX)) ?? 0;
        const meanY = trainY.reduce((a, b) => a + b, 0) / trainY.length;
        const base =
          r2Score(
            testY,
            testY.map(() => meanY),
          ) ?? 0;
        model.push(r2);
        diff.push(r2 - base);
      }
    }
    const meanR2 = model.reduce((a, b) => a + b, 0) / model.length;
    const random = seededRandom(seed + 7919);
    const B = options.bootstrap ?? 1000;
    const means: number[] = [];
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let i = 0; i < model.length; i++) s += model[Math.floor(random() * model.length)]!;
      means.push(s / model.length);
    }
    means.sort((a, b) => a - b);
    const P = options.permutations ?? 200;
    const permutationP =
      P > 0
        ? permutationTest(
            (_: null, yy: number[]) =>
              splits[0]!.reduce((s, test) => {
                const part = partition(X, yy, test);
                return s + (r2Score(part.testY, fit(part.trainX, part.trainY, part.testX)) ?? 0);
              }, 0) / folds,
            null,
            y,
            { permutations: P, seed },
          ).p
        : null;
    return {
      meanR2,
      vsMean: nadeauBengio(diff, 1 / folds),
      interval: nadeauBengio(model, 1 / folds).interval,
      bootstrapInterval: B > 0 ? [quantileSorted(means, 0.025), quantileSorted(means, 0.975)] : [meanR2, meanR2],
      permutationP,
    };
  };
  return {
    n,
    features: m,
    pc: { ols: score(pcX, ols), lasso: score(pcX, lasso) },
    random: { ols: score(randomX, ols), lasso: score(randomX, lasso) },
  };
}

function partition(X: number[][], y: readonly number[], test: number[]) {
  const inTest = new Uint8Array(y.length);
  for (const i of test) inTest[i] = 1;
  const trainX: number[][] = [];
  const trainY: number[] = [];
  for (let i = 0; i < y.length; i++) {
    if (!inTest[i]) {
      trainX.push(X[i]!);
      trainY.push(y[i]!);
    }
  }
  return { trainX, trainY, testX: test.map((i) => X[i]!), testY: test.map((i) => y[i]!) };
}
