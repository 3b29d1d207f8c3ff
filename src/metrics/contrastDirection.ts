import { columnMeans } from './columnMeans.js';
import type { Matrix } from './matrix.js';

/**
 * The misalignment direction of one layer from contrast activations: u = mean(misaligned) −
 * mean(aligned) (Turner, Soligo et al. 2025's mean-difference direction), in float64, with ‖u‖².
 */
export function contrastDirection(aligned: Matrix, misaligned: Matrix): { direction: Float64Array; norm2: number } {
  const a = columnMeans(aligned);
  const b = columnMeans(misaligned);
  const direction = new Float64Array(a.length);
  let norm2 = 0;
  for (let j = 0; j < a.length; j++) {
    direction[j] = b[j]! - a[j]!;
    norm2 += direction[j]! * direction[j]!;
  }
  return { direction, norm2 };
}
