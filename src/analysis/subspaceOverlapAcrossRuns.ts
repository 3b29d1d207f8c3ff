import type { Matrix } from '../metrics/matrix.js';
import { subspaceOverlap } from '../metrics/subspaceOverlap.js';
import type { SweepRunData } from './sweepRunData.js';

/** Mean pairwise overlap of the runs' final train-delta subspaces for one layer. */
export interface LayerOverlap {
  layer: string;
  runs: number;
  pairs: number;
  k: number;
  d: number;
  /** Mean of ‖U_iᵀU_j‖²_F / k over run pairs i < j. */
  meanOverlap: number | null;
  min: number | null;
  max: number | null;
  /** Expected overlap of two random k-subspaces of R^d: k/d. */
  randomBaseline: number;
  /** The same mean over pairs of EM runs only, and over pairs of benign runs only. */
  meanOverlapEm: number | null;
  meanOverlapBenign: number | null;
}

function toMatrix(rows: number[][]): Matrix {
  const d = rows.length;
  const k = rows[0]?.length ?? 0;
  const data = new Float64Array(d * k);
  rows.forEach((r, i) => data.set(r, i * k));
  return { rows: d, cols: k, data };
}

/**
 * Do different runs (optimizers, schedules, seeds, mixes) move the same directions? Mean pairwise
 * subspace overlap of their final train-delta subspaces per layer, against the random baseline k/d.
 */
export function subspaceOverlapAcrossRuns(runs: readonly SweepRunData[], isEm: (r: SweepRunData) => boolean): LayerOverlap[] {
  const layers = [...new Set(runs.flatMap((r) => Object.keys(r.result.deltaSubspaces ?? {})))].sort();
  return layers.map((layer) => {
    const items = runs.flatMap((r) => {
      const s = r.result.deltaSubspaces?.[layer];
      return s && s.basis.length > 0 && s.k > 0 ? [{ em: isEm(r), U: toMatrix(s.basis), k: s.k, d: s.d }] : [];
    });
    const all: number[] = [];
    const em: number[] = [];
    const benign: number[] = [];
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const o = subspaceOverlap(items[i]!.U, items[j]!.U);
        all.push(o);
        if (items[i]!.em && items[j]!.em) em.push(o);
        if (!items[i]!.em && !items[j]!.em) benign.push(o);
      }
    }
    const avg = (xs: number[]) => (xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : null);
    const k = items[0]?.k ?? 0;
    const d = items[0]?.d ?? 0;
    return {
      layer,
      runs: items.length,
      pairs: all.length,
      k,
      d,
      meanOverlap: avg(all),
      min: all.length ? Math.min(...all) : null,
      max: all.length ? Math.max(...all) : null,
      randomBaseline: d > 0 ? k / d : 0,
      meanOverlapEm: avg(em),
      meanOverlapBenign: avg(benign),
    };
  });
}
