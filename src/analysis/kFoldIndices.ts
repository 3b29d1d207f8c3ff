import { seededRandom, shuffleInPlace } from '../util/seededRandom.js';
import { assertInteger } from './validateInput.js';

/**
 * Test-index sets of a k-fold split, like sklearn `KFold(n_splits=k)`: contiguous folds, the first
 * n mod k of size ⌊n/k⌋ + 1. With a `seed`, the indices are shuffled first (Mulberry32 +
 * Fisher–Yates; not numpy's stream) and each fold is sorted.
 */
export function kFoldIndices(n: number, folds: number, seed?: number): number[][] {
  assertInteger('kFoldIndices', 'n', n, 2);
  assertInteger('kFoldIndices', 'folds', folds, 2);
  if (folds > n) throw new RangeError(`kFoldIndices: expected \`folds\` <= number of samples (${n}), got \`${folds}\`; use fewer folds`);
  const order = Array.from({ length: n }, (_, i) => i);
  if (seed !== undefined) shuffleInPlace(order, seededRandom(seed));
  const out: number[][] = [];
  let start = 0;
  for (let f = 0; f < folds; f++) {
    const size = Math.floor(n / folds) + (f < n % folds ? 1 : 0);
    const fold = order.slice(start, start + size);
    if (seed !== undefined) fold.sort((a, b) => a - b);
    out.push(fold);
    start += size;
  }
  return out;
}

/** Throws unless `folds` partitions 0..n−1 (each index exactly once, every fold non-empty, a training set left). */
export function validateFoldIndices(where: string, folds: unknown, n: number): asserts folds is number[][] {
  if (!Array.isArray(folds) || folds.length < 2) {
    throw new RangeError(
      `${where}: expected \`foldIndices\` to be an array of >= 2 arrays of test indices, got ${Array.isArray(folds) ? `${folds.length} folds` : typeof folds}`,
    );
  }
  const seen = new Uint8Array(n);
  folds.forEach((fold: unknown, f) => {
    if (!Array.isArray(fold) || fold.length === 0 || fold.length >= n) {
      throw new RangeError(`${where}: expected \`foldIndices[${f}]\` to be a non-empty array of fewer than ${n} indices`);
    }
    for (const i of fold as unknown[]) {
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= n) {
        throw new RangeError(`${where}: expected \`foldIndices[${f}]\` to hold integers in [0, ${n - 1}], got \`${String(i)}\``);
      }
      if (seen[i]) throw new RangeError(`${where}: index ${i} appears in more than one fold of \`foldIndices\`; each sample must be tested exactly once`);
      seen[i] = 1;
    }
  });
  const missing = seen.indexOf(0);
  if (missing >= 0) throw new RangeError(`${where}: index ${missing} is in no fold of \`foldIndices\`; each sample must be tested exactly once`);
}
