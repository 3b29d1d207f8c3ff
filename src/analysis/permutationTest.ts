import { quantileSorted } from './quantile.js';
import { seededRandom, shuffleInPlace } from '../util/seededRandom.js';
import { assertFiniteVector, assertInteger } from './validateInput.js';

/** Options of {@link permutationTest}. */
export interface PermutationTestOptions {
  /** Number of random permutations B. Default 1000. */
  permutations?: number;
  /** PRNG seed (Mulberry32). Default 1. */
  seed?: number;
}

/** Result of {@link permutationTest}. */
export interface PermutationTestResult {
  /** Statistic on the unpermuted data. */
  observed: number;
  /** One-sided p = (1 + #{null ≥ observed})/(1 + B) (Phipson & Smyth 2010: never 0). */
  p: number;
  /** B. */
  permutations: number;
  /** Summary of the permutation (null) distribution. */
  nullDistribution: { mean: number; sd: number; min: number; q05: number; median: number; q95: number; max: number };
  /** Every permuted statistic, in generation order (for plots or other p-value conventions). */
  nullValues: number[];
}

/**
 * Permutation test of "the statistic is larger than chance": recompute `statFn(X, yπ)` for B random
 * permutations π of y (rows of X fixed) and report the rank of the observed value. Use a statistic
 * where larger means more association (e.g. cross-validated R², |r|).
 */
export function permutationTest<TX>(
  statFn: (X: TX, y: number[]) => number,
  X: TX,
  y: readonly number[],
  options: PermutationTestOptions = {},
): PermutationTestResult {
  if (typeof statFn !== 'function') throw new TypeError(`permutationTest: expected \`statFn\` to be a function (X, y) => number, got ${typeof statFn}`);
  assertFiniteVector('permutationTest', 'y', y, 2);
  const B = options.permutations ?? 1000;
  assertInteger('permutationTest', 'permutations', B, 1);
  const seed = options.seed ?? 1;
  assertInteger('permutationTest', 'seed', seed, 0);
  const check = (value: unknown, what: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new RangeError(
        `permutationTest: \`statFn\` returned \`${String(value)}\` for ${what}; it must return a finite number (map undefined statistics to a value first)`,
      );
    }
    return value;
  };
  const observed = check(statFn(X, [...y]), 'the observed data');
  const random = seededRandom(seed);
  const nullValues: number[] = [];
  let atLeast = 0;
  const permuted = [...y];
  for (let b = 0; b < B; b++) {
    shuffleInPlace(permuted, random);
    const value = check(statFn(X, [...permuted]), `permutation ${b}`);
    nullValues.push(value);
    if (value >= observed) atLeast++;
  }
  const sorted = [...nullValues].sort((a, b) => a - b);
  const mean = nullValues.reduce((s, v) => s + v, 0) / B;
  const sd = B > 1 ? Math.sqrt(nullValues.reduce((s, v) => s + (v - mean) ** 2, 0) / (B - 1)) : 0;
  return {
    observed,
    p: (1 + atLeast) / (1 + B),
    permutations: B,
    nullDistribution: {
      mean,
      sd,
      min: sorted[0]!,
      q05: quantileSorted(sorted, 0.05),
      median: quantileSorted(sorted, 0.5),
      q95: quantileSorted(sorted, 0.95),
      max: sorted[B - 1]!,
    },
    nullValues,
  };
}
