import type { Matrix } from './matrix.js';

/**
 * A delta after − before given by its two sets (same shape, finite): the kernels form it in their
 * own memory where they need it, so it is never formed in JS (an 8 MB float64 array at 256×4096,
 * ≈ 2000 new pages in a fresh process); the JS routes form it with `subtractMatrices`.
 */
export interface DeltaOf {
  after: Matrix;
  before: Matrix;
}
