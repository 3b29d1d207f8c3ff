import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnMeans } from '../src/metrics/columnMeans.js';
import { seededRandom } from './helpers.js';

/** The definition, one row at a time: Σ_r x[r, c] in row order, then / n. */
function reference(rows: number, cols: number, data: ArrayLike<number>): Float64Array {
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] = mean[c]! + data[r * cols + c]!;
  if (rows > 0) for (let c = 0; c < cols; c++) mean[c] = mean[c]! / rows;
  return mean;
}

test('columnMeans: bit for bit the row-by-row sums over every remainder of rows mod 4, float32 and float64 input; exact on a known matrix; zeros without rows; NaN and ±Infinity propagate', () => {
  const rand = seededRandom(7);
  for (const rows of [1, 2, 3, 4, 5, 6, 7, 8, 37, 256]) {
    for (const cols of [1, 3, 256]) {
      // Magnitudes over many orders, so a changed summation order would show in the last bits.
      const values = Array.from({ length: rows * cols }, () => (rand() * 2 - 1) * 10 ** Math.floor(rand() * 12 - 6));
      for (const data of [Float32Array.from(values), Float64Array.from(values)]) {
        const got = columnMeans({ rows, cols, data });
        const want = reference(rows, cols, data);
        for (let c = 0; c < cols; c++) assert.ok(Object.is(got[c], want[c]), `${rows}×${cols} ${data.constructor.name} column ${c}: ${got[c]} vs ${want[c]}`);
      }
    }
  }
  // [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]: means 5 and 6.
  assert.deepEqual([...columnMeans({ rows: 5, cols: 2, data: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) })], [5, 6]);
  assert.deepEqual([...columnMeans({ rows: 0, cols: 3, data: new Float32Array(0) })], [0, 0, 0]);
  const special = columnMeans({ rows: 5, cols: 3, data: Float64Array.from([1, NaN, Infinity, 1, 1, 1, 1, 1, -Infinity, 1, 1, 1, 1, 1, 1]) });
  assert.equal(special[0], 1);
  assert.ok(Number.isNaN(special[1]!) && Number.isNaN(special[2]!));
});
