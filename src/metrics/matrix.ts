/**
 * A dense row-major matrix: `rows` probes × `cols` features for one layer. The one shape every
 * metric takes; activations copied out of tfjs (Float32Array) and .npy files (either) fit as-is.
 */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array | Float64Array;
}

/** Builds a Matrix, checking that `data` holds exactly rows × cols finite-or-not numbers. */
export function matrix(rows: number, cols: number, data: Float32Array | Float64Array | number[]): Matrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new Error(`matrix: expected non-negative integer dimensions, got ${rows}×${cols}`);
  }
  const arr = Array.isArray(data) ? Float64Array.from(data) : data;
  if (arr.length !== rows * cols) {
    throw new Error(`matrix: ${rows}×${cols} needs ${rows * cols} values, got ${arr.length}`);
  }
  return { rows, cols, data: arr };
}

/** A Matrix from nested arrays (tests, small fixtures). */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const n = rows.length;
  const d = n === 0 ? 0 : rows[0]!.length;
  const data = new Float64Array(n * d);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new Error(`fromRows: row ${i} has ${r.length} values, row 0 has ${d}`);
    data.set(r, i * d);
  });
  return { rows: n, cols: d, data };
}
