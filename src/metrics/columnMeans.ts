import type { Matrix } from './matrix.js';

/** Column means of a [n, d] matrix, in float64 (all zeros for n = 0). */
export function columnMeans(m: Matrix): Float64Array {
  const { rows: n, cols: d, data } = m;
  const out = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const base = r * d;
    for (let c = 0; c < d; c++) out[c] = out[c]! + data[base + c]!;
  }
  if (n > 0) for (let c = 0; c < d; c++) out[c] = out[c]! / n;
  return out;
}
