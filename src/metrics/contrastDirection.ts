import { columnMeans } from './columnMeans.js';
import type { Matrix } from './matrix.js';

/**
 * The misalignment direction of one layer from contrast activations: u = mean(misaligned) −
 * mean(aligned) (Turner, Soligo et al. 2025's mean-difference direction), in float64, with ‖u‖²
 * and mean(aligned), the origin of contrast-gap units ((x − mean(aligned))·u/‖u‖²: 0 aligned, 1 misaligned).
 */
export function contrastDirection(aligned: Matrix, misaligned: Matrix): { direction: Float64Array; norm2: number; alignedMean: Float64Array } {
  const a = columnMeans(aligned);
  const b = columnMeans(misaligned);
  const direction = new Float64Array(a.length);
  let norm2 = 0;
  for (let j = 0; j < a.length; j++) {
    direction[j] = b[j]! - a[j]!;
    norm2 += direction[j]! * direction[j]!;
  }
  return { direction, norm2, alignedMean: a };
}
