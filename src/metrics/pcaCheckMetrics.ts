import { centeredPca } from './centeredPca.js';
import type { Matrix } from './matrix.js';
import { meanDeltaRowMetrics } from './meanDeltaRowMetrics.js';
import { pcaRowMetrics } from './pcaRowMetrics.js';

/** The per-check means of the paper code's eval-delta statistics; a value is null with its reason. */
export interface PcaCheckMetrics {
  /** Mean over eval probes of the centred explained-L2 fraction in the rank-k train-delta PCA. */
  explainedL2: number | null;
  /** Mean cos(δ̂, δ) of the eval deltas' reconstructions from that PCA. */
  reconstructionCosine: number | null;
  /** Mean Mahalanobis distance √(Σ cᵢ²/λᵢ) of the eval deltas in that PCA. */
  mahalanobis: number | null;
  /** Mean ‖δ − (δ·t̂)t̂‖ of the eval deltas, t = the mean train delta (activation units). */
  orthogonalNorm: number | null;
  reasons: Partial<Record<'explainedL2' | 'reconstructionCosine' | 'mahalanobis' | 'orthogonalNorm', string>>;
}

/**
 * What a guard check reads from the centred rank-k PCA of the train deltas (see `centeredPca`,
 * `pcaRowMetrics`, `meanDeltaRowMetrics`): each metric is the mean over the eval probes where it is
 * defined. Deltas must be finite (`deltaWithNorms` checked them).
 */
export function pcaCheckMetrics(trainDelta: Matrix, evalDelta: Matrix, rank: number): PcaCheckMetrics {
  const pca = centeredPca(trainDelta, { rank });
  const rows = pcaRowMetrics(evalDelta, pca);
  const vsMean = meanDeltaRowMetrics(evalDelta, pca.mean);
  const out: PcaCheckMetrics = {
    explainedL2: meanOf(rows.explainedL2Centered),
    reconstructionCosine: meanOf(rows.reconstructionCosine),
    mahalanobis: meanOf(rows.mahalanobis),
    orthogonalNorm: meanOf(vsMean.orthogonalNorm),
    reasons: {},
  };
  const noPca = pca.k === 0 ? `train deltas have no variance to decompose (${pca.reason ?? 'every train delta is the same'})` : undefined;
  if (out.explainedL2 === null) out.reasons.explainedL2 = noPca ?? 'every eval delta equals the mean train delta';
  if (out.reconstructionCosine === null) out.reasons.reconstructionCosine = noPca ?? 'eval delta is zero';
  if (out.mahalanobis === null) out.reasons.mahalanobis = noPca ?? 'no component';
  if (out.orthogonalNorm === null) out.reasons.orthogonalNorm = 'mean train delta is zero';
  return out;
}

function meanOf(values: readonly (number | null)[]): number | null {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (v === null) continue;
    sum += v;
    count++;
  }
  return count === 0 ? null : sum / count;
}
