import { crossValidatedR2 } from './crossValidatedR2.js';
import { permutationTest } from './permutationTest.js';
import { randomForestR2 } from './randomForestR2.js';
import type { SweepRunData } from './sweepRunData.js';

/** Prediction of post-fine-tuning per-prompt misalignment from pre-fine-tuning activations, for one layer. */
export interface LayerPrediction {
  layer: string;
  /** Runs used (those whose per-prompt p(unsafe) after fine-tuning varies: var > 1e-4). */
  runs: number;
  /** Mean over runs of the 5-fold CV R² (ridge λ=1) from projections on the run's train-delta subspace U_k. */
  deltaR2: number | null;
  /** The same from projections on a random subspace of the same rank. */
  randomR2: number | null;
  /** Mean CV R² of a random forest on the delta projections (non-linear comparison); deepest layer only, else null. */
  forestR2: number | null;
  forestRuns: number;
  /** Mean ridge (delta) R² on the same runs as the forest, for a like-for-like comparison. */
  ridgeR2OnForestRuns: number | null;
  /** Permutation test of the mean delta R² (targets permuted across prompts); deepest layer only (cost), else null. */
  permutation: { observed: number; p: number; permutations: number; nullMean: number; nullQ95: number } | null;
  /** Per run: delta and random R². */
  perRun: { runId: string; deltaR2: number | null; randomR2: number | null }[];
}

/** Options of {@link predictionAnalysis}. */
export interface PredictionOptions {
  folds?: number;
  /** Ridge penalty (on standardised features). Default 1. */
  lambda?: number;
  /** Permutations of the mean-R² test. Default 200. */
  permutations?: number;
  /** Trees per forest; 0 skips the forest. Default 10. */
  trees?: number;
  /** Runs the forest is fitted on (those with the most target variance), deepest layer only. Default 8. */
  forestRuns?: number;
  seed?: number;
}

function variance(y: readonly number[]): number {
  const m = y.reduce((s, v) => s + v, 0) / y.length;
  return y.reduce((s, v) => s + (v - m) ** 2, 0) / y.length;
}

function mean(xs: readonly number[]): number | null {
  return xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : null;
}

/**
 * The paper's "activations predict alignment" test at the prompt level, per watched layer: for each
 * run, k-fold CV R² of ridge regression from the eval probes' *pre*-fine-tuning activations
 * projected on the run's final train-delta subspace (vs a random subspace of the same rank) to
 * their p(unsafe) after fine-tuning; averaged over runs, with a permutation test of the average and
 * a random forest as the non-linear comparison.
 */
export function predictionAnalysis(runs: readonly SweepRunData[], options: PredictionOptions = {}): LayerPrediction[] {
  const folds = options.folds ?? 5;
  const lambda = options.lambda ?? 1;
  const B = options.permutations ?? 200;
  const trees = options.trees ?? 10;
  const forestRuns = options.forestRuns ?? 8;
  const seed = options.seed ?? 1;
  // Input-to-output order (the guard's watched layers), so the last one is the deepest.
  const order = runs[0]?.start?.layers ?? [];
  const rank = (l: string) => (order.includes(l) ? order.indexOf(l) : order.length);
  const layers = [...new Set(runs.flatMap((r) => Object.keys(r.result.prediction?.layers ?? {})))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return layers.map((layer) => {
    const data = runs.flatMap((r) => {
      const p = r.result.prediction;
      const l = p?.layers[layer];
      if (!p || !l || p.pUnsafeAfter.length !== l.deltaProjection.length || p.pUnsafeAfter.length < folds * 2) return [];
      if (variance(p.pUnsafeAfter) <= 1e-4) return [];
      return [{ runId: r.runId, y: p.pUnsafeAfter, delta: l.deltaProjection, random: l.randomProjection }];
    });
    const r2 = (X: number[][], y: readonly number[]) => crossValidatedR2(X, y, { folds, lambda, seed }).r2 ?? 0;
    const perRun = data.map((d) => ({ runId: d.runId, deltaR2: r2(d.delta, d.y), randomR2: r2(d.random, d.y) }));
    let permutation: LayerPrediction['permutation'] = null;
    const deepest = layer === layers[layers.length - 1];
    if (deepest && data.length > 0 && B > 0) {
      // Concatenate the runs' targets; the statistic splits them back per run, so each permutation
      // shuffles prompts across all runs, which also breaks the within-run association.
      const offsets = data.map((_, i) => data.slice(0, i).reduce((s, d) => s + d.y.length, 0));
      const yAll = data.flatMap((d) => d.y);
      const stat = (_: null, y: number[]) => mean(data.map((d, i) => r2(d.delta, y.slice(offsets[i], offsets[i]! + d.y.length))))!;
      const t = permutationTest(stat, null, yAll, { permutations: B, seed });
      permutation = { observed: t.observed, p: t.p, permutations: B, nullMean: t.nullDistribution.mean, nullQ95: t.nullDistribution.q95 };
    }
    // ml-random-forest is slow (about 40 ms a tree here): the forest runs on the deepest layer only,
    // on the `forestRuns` runs whose targets vary most.
    const forestData = deepest ? [...data].sort((a, b) => variance(b.y) - variance(a.y)).slice(0, forestRuns) : [];
    const forest = trees > 0 ? forestData.map((d) => randomForestR2(d.delta, d.y, { folds, seed, nEstimators: trees }).r2 ?? 0) : [];
    return {
      layer,
      runs: data.length,
      deltaR2: mean(perRun.map((p) => p.deltaR2)),
      randomR2: mean(perRun.map((p) => p.randomR2)),
      forestR2: mean(forest),
      forestRuns: forest.length,
      ridgeR2OnForestRuns: forest.length ? mean(forestData.map((d) => perRun.find((p) => p.runId === d.runId)!.deltaR2)) : null,
      permutation,
      perRun,
    };
  });
}
