import { quantileSorted } from './quantile.js';
import { assertFiniteVector, assertInteger } from './validateInput.js';

/** One quantile bin: the interval (lo, hi] (the first bin also includes lo) and its members. */
export interface QuantileBin {
  lo: number;
  hi: number;
  /** Indices into the input of the values in this bin. */
  indices: number[];
}

/** Result of {@link binByQuantile}. */
export interface QuantileBinning {
  /** Distinct bin edges (type-7 quantiles at k/nBins; duplicates from ties dropped). */
  edges: number[];
  /** Bin index of each input value. */
  assignment: number[];
  bins: QuantileBin[];
}

/**
 * Equal-frequency bins of `values` (pandas `qcut(values, nBins, duplicates='drop')`: right-closed
 * intervals between type-7 quantiles, the lowest value in the first bin). Used to compare runs at
 * matched final loss: bin runs by loss, then compare alignment within each bin. Tied values at an
 * edge can merge bins, so there may be fewer than `nBins`.
 */
export function binByQuantile(values: readonly number[], nBins: number): QuantileBinning {
  assertFiniteVector('binByQuantile', 'values', values, 1);
  assertInteger('binByQuantile', 'nBins', nBins, 1);
  const sorted = [...values].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let k = 0; k <= nBins; k++) {
    const e = quantileSorted(sorted, k / nBins);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  if (edges.length === 1) edges.push(edges[0]!); // all values equal: one bin [v, v]
  const bins: QuantileBin[] = [];
  for (let b = 0; b + 1 < edges.length; b++) bins.push({ lo: edges[b]!, hi: edges[b + 1]!, indices: [] });
  const assignment = values.map((v, i) => {
    let b = 0;
    while (b < bins.length - 1 && v > edges[b + 1]!) b++;
    bins[b]!.indices.push(i);
    return b;
  });
  return { edges, assignment, bins };
}
