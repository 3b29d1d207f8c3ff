import type { Matrix } from './matrix.js';

/** Column means of a matrix (length cols), float64. */
export function columnMean(m: Matrix): Float64Array {
  const { rows: n, cols: d, data } = m;
  const mean = new Float64Array(d);
  if (n === 0) return mean;
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) mean[c] = mean[c]! + data[r * d + c]!;
  for (let c = 0; c < d; c++) mean[c] = mean[c]! / n;
  return mean;
}
