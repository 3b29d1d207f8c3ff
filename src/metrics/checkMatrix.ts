import type { Matrix } from './matrix.js';
import { wasmAllFinite } from './wasm/gramWasm.js';

/** Where a matrix first holds NaN or ±Infinity (row-major order), or null when every value is finite. */
export function firstNonFinite(m: Matrix): { row: number; col: number; value: number } | null {
  const { data, cols } = m;
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    // x − x is NaN exactly for NaN and ±Infinity.
    if (x - x !== 0) return { row: cols === 0 ? 0 : Math.floor(i / cols), col: cols === 0 ? 0 : i % cols, value: x };
  }
  return null;
}

/** Values from which `assertFiniteMatrix` asks the kernel first (below, the JS scan is as cheap as the copy). */
const FINITE_KERNEL_MIN = 1024;

/**
 * Throws when a matrix holds NaN or ±Infinity, naming the first bad cell. Runs before any solver:
 * ml-matrix and the eigen-solvers either throw cryptic errors or return NaN silently on such input.
 */
export function assertFiniteMatrix(m: Matrix, what = 'activations'): void {
  // The kernel answers whether all are finite (as a cold JS loop, a one-shot `analyze` OSR-compiled
  // this scan for its bases); the JS scan then names the first bad cell.
  if (m.data.length >= FINITE_KERNEL_MIN && wasmAllFinite(m.data) === true) return;
  const bad = firstNonFinite(m);
  if (bad)
    throw new Error(`${what} contain a non-finite value at row ${bad.row}, col ${bad.col} (${bad.value}); clean or drop that probe before computing metrics`);
}

/** Throws `shape mismatch: after is 4×8, before is 4×9` when two matrices must align cell by cell. */
export function assertSameShape(a: Matrix, b: Matrix, nameA: string, nameB: string): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new Error(
      `shape mismatch: ${nameA} is ${a.rows}×${a.cols}, ${nameB} is ${b.rows}×${b.cols}; both must hold the same probes (rows) and features (cols)`,
    );
  }
}

/** Throws unless `k` is an integer >= 1, with the validation message style used across em-guard. */
export function assertRank(k: unknown, name = 'k'): asserts k is number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    throw new Error(`Expected \`${name}\` to be an integer >= 1, got \`${String(k)}\` (${typeof k})`);
  }
}
