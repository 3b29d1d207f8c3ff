import { firstNonFinite } from './checkMatrix.js';
import { columnMeans } from './columnMeans.js';
import type { Matrix } from './matrix.js';
import { deltaNorms } from './subtractMatrices.js';

/**
 * A layer's current activations reduced to what the eval-side metrics read (`drift.eval`: the two
 * squared Frobenius norms against the baseline; `alignment.projection`: the column means), or the
 * error forming them raised (non-finite or mismatched activations), to be thrown where the metrics
 * are computed. Made by the capture worker next to the forward pass, so the training thread neither
 * receives the n×d activations nor loops over them; inline, by the same `summarizeActivations`.
 */
export type ActivationSummary =
  | {
      rows: number;
      cols: number;
      /** ‖current − baseline‖²_F, summed as `deltaWithNorms` sums it. */
      deltaNorm2: number;
      /** ‖baseline‖²_F. */
      beforeNorm2: number;
      /** Column means of the current activations (`columnMeans`). */
      columnMeans: Float64Array;
      error?: undefined;
    }
  | {
      rows: number;
      cols: number;
      error: string;
      /** Set when the error is a non-finite value in the current activations: its first cell. */
      nonfinite?: { row: number; col: number; value: number };
    };

/** Probe set → layer → summary of its current activations against the baseline. */
export type ActivationSummaries = ReadonlyMap<string, ReadonlyMap<string, ActivationSummary>>;

/**
 * `current` against `baseline`: the norms of `deltaWithNorms` (summed by `deltaNorms`, the same
 * numbers, without writing the delta) and the `columnMeans` of `current`, the same functions (so
 * the same numbers) the metrics use on full matrices. `_scratch` is no longer written (the delta is
 * not formed); kept so that callers passing a buffer still compile. Never throws: an error is
 * returned, with the first non-finite cell of `current` when there is one (broken weights, not a bug).
 */
export function summarizeActivations(current: Matrix, baseline: Matrix, _scratch?: Float64Array): ActivationSummary {
  try {
    const { deltaNorm2, beforeNorm2 } = deltaNorms(current, baseline);
    return { rows: current.rows, cols: current.cols, deltaNorm2, beforeNorm2, columnMeans: columnMeans(current) };
  } catch (e) {
    const bad = firstNonFinite(current);
    return { rows: current.rows, cols: current.cols, error: (e as Error).message, ...(bad ? { nonfinite: bad } : {}) };
  }
}
