import type { Matrix } from './matrix.js';

/** Each row δ against one direction t (the mean train delta); `null` where δ = 0 (cosine) or t = 0. */
export interface MeanDeltaRowMetrics {
  /** cos(δ, t). */
  cosine: (number | null)[];
  /** δ·t/‖t‖. */
  scalarProjection: (number | null)[];
  /** ‖δ − (δ·t̂)t̂‖. */
  orthogonalNorm: (number | null)[];
}

/**
 * Every row of `rows` (n×d) against a direction `t` (length d), the paper code's "vs mean train
 * delta" trio: cosine, scalar projection δ·t̂ and the norm of what is left orthogonal to t̂
 * (√(‖δ‖² − (δ·t̂)²), clamped at 0). All `null` when t = 0 (no direction).
 */
export function meanDeltaRowMetrics(rows: Matrix, t: ArrayLike<number>): MeanDeltaRowMetrics {
  const { rows: n, cols: d, data } = rows;
  if (t.length !== d) throw new Error(`shape mismatch: rows have ${d} features, the direction has ${t.length}`);
  let tNorm2 = 0;
  for (let c = 0; c < d; c++) tNorm2 += t[c]! * t[c]!;
  const dots = new Float64Array(n);
  const norms2 = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let dot = 0;
    let norm2 = 0;
    for (let c = 0; c < d; c++) {
      const v = data[r * d + c]!;
      dot += v * t[c]!;
      norm2 += v * v;
    }
    dots[r] = dot;
    norms2[r] = norm2;
  }
  return meanDeltaRowMetricsFromSums(dots, norms2, tNorm2);
}

/**
 * `meanDeltaRowMetrics` from the per-row sums δ·t and ‖δ‖² and ‖t‖² (a pass over the rows that
 * already formed them, e.g. `pcaRowMetricsWithSums` with μ = t): the same formulas and numbers.
 */
export function meanDeltaRowMetricsFromSums(dots: ArrayLike<number>, norms2: ArrayLike<number>, tNorm2: number): MeanDeltaRowMetrics {
  const tNorm = Math.sqrt(tNorm2);
  const out: MeanDeltaRowMetrics = { cosine: [], scalarProjection: [], orthogonalNorm: [] };
  for (let r = 0; r < dots.length; r++) {
    const dot = dots[r]!;
    const norm2 = norms2[r]!;
    if (tNorm === 0) {
      out.cosine.push(null);
      out.scalarProjection.push(null);
      out.orthogonalNorm.push(null);
      continue;
    }
    const s = dot / tNorm;
    out.scalarProjection.push(s);
    out.orthogonalNorm.push(Math.sqrt(Math.max(0, norm2 - s * s)));
    out.cosine.push(norm2 === 0 ? null : Math.max(-1, Math.min(1, s / Math.sqrt(norm2))));
  }
  return out;
}
