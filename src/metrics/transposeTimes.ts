import type { Matrix } from './matrix.js';

/** `Aᵀ B` in float64 for two d×k bases sharing d (result kA×kB): the core product of subspace metrics. */
export function transposeTimes(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows) {
    throw new Error(`shape mismatch: first basis is ${a.rows}×${a.cols}, second is ${b.rows}×${b.cols}; bases must live in the same feature dimension (rows)`);
  }
  const ka = a.cols;
  const kb = b.cols;
  const out = new Float64Array(ka * kb);
  for (let r = 0; r < a.rows; r++) {
    for (let i = 0; i < ka; i++) {
      const x = a.data[r * ka + i]!;
      if (x === 0) continue;
      for (let j = 0; j < kb; j++) out[i * kb + j] = out[i * kb + j]! + x * b.data[r * kb + j]!;
    }
  }
  return { rows: ka, cols: kb, data: out };
}
