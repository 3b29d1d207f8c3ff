/**
 * Index of each row's largest value, the first one on ties (and 0 for a row led by NaN), exactly
 * as tfjs' `argMax(-1)` kernels pick it: the outputs are plain numbers here already, and a tensor
 * round trip for 256 × 10 values cost more on the training thread than the comparison itself.
 * Into `out` when given (one entry per row).
 */
export function rowArgMax(data: ArrayLike<number>, cols: number, out?: Int32Array): Int32Array {
  const rows = cols > 0 ? data.length / cols : 0;
  out ??= new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let best = data[o]!;
    let at = 0;
    for (let c = 1; c < cols; c++) {
      const v = data[o + c]!;
      if (v > best) {
        best = v;
        at = c;
      }
    }
    out[r] = at;
  }
  return out;
}
