import { median } from 'simple-statistics';
import { beforeAfterTests } from './beforeAfterTests.js';
import type { SweepRunData } from './sweepRunData.js';
import { withinTrainPredictor, type WithinTrainOptions, type WithinTrainResult } from './withinTrainPredictor.js';

/** Before-vs-after per-prompt tests over a sweep's runs (p(unsafe) on the eval probes). */
export interface BeforeAfterAcrossRuns {
  runs: number;
  /** Runs whose KS / Wilcoxon p is below 0.01 (the paper's "fine-tuned differs from pre-trained"). */
  ksBelow001: number;
  wilcoxonBelow001: number;
  /** Medians over runs of the OLS slope and R² of after on before. */
  medianSlope: number | null;
  medianR2: number | null;
  perRun: { runId: string; ksD: number; ksP: number; wilcoxonP: number; slope: number | null; r2: number | null }[];
}

/** The within-train predictor over a sweep's runs (deepest layer with stored activations). */
export interface WithinTrainAcrossRuns {
  layer: string;
  runs: number;
  features: number;
  /** Means over runs of the repeated-CV R². */
  mean: { pcOls: number; pcLasso: number; randomOls: number; randomLasso: number };
  /** Runs whose Lasso (random features) beats the mean predictor (Nadeau–Bengio p < 0.05, R² > 0). */
  randomLassoBeatsMean: number;
  /** The run the permutation test ran on (the one whose targets vary most), or null when skipped. */
  permutationRun: string | null;
  perRun: ({ runId: string } & WithinTrainResult)[];
}

const medianOrNull = (xs: number[]): number | null => (xs.length ? median(xs) : null);

function variance(y: readonly number[]): number {
  const m = y.reduce((s, v) => s + v, 0) / y.length;
  return y.reduce((s, v) => s + (v - m) ** 2, 0) / y.length;
}

/** KS, Wilcoxon and OLS of p(unsafe) after on before, per run. */
export function beforeAfterAcrossRuns(runs: readonly SweepRunData[]): BeforeAfterAcrossRuns | null {
  const perRun = runs.flatMap((r) => {
    const p = r.result.prediction;
    if (!p || p.pUnsafeBefore.length < 2 || p.pUnsafeBefore.length !== p.pUnsafeAfter.length) return [];
    const t = beforeAfterTests(p.pUnsafeBefore, p.pUnsafeAfter);
    return [{ runId: r.runId, ksD: t.ks.statistic, ksP: t.ks.p, wilcoxonP: t.wilcoxon.p, slope: t.ols?.slope ?? null, r2: t.ols?.r2 ?? null }];
  });
  if (perRun.length === 0) return null;
  return {
    runs: perRun.length,
    ksBelow001: perRun.filter((r) => r.ksP < 0.01).length,
    wilcoxonBelow001: perRun.filter((r) => r.wilcoxonP < 0.01).length,
    medianSlope: medianOrNull(perRun.flatMap((r) => (r.slope === null ? [] : [r.slope]))),
    medianR2: medianOrNull(perRun.flatMap((r) => (r.r2 === null ? [] : [r.r2]))),
    perRun,
  };
}

/**
 * The paper's within-train predictor on every run that stored pre-fine-tune activations and whose
 * post-fine-tune p(unsafe) varies (variance > 1e-4), target = that p(unsafe). The permutation test
 * (the costly part: a LassoCV per fold per permutation) runs on one run only, the one whose targets
 * vary most; the other runs get `permutationP: null`.
 */
export function withinTrainAcrossRuns(runs: readonly SweepRunData[], options: WithinTrainOptions = {}): WithinTrainAcrossRuns | null {
  const data = runs.flatMap((r) => {
    const p = r.result.prediction;
    const stored = p?.activationsBefore;
    if (!p || !stored) return [];
    const [layer, acts] = Object.entries(stored).at(-1) ?? [];
    if (!layer || !acts || acts.length !== p.pUnsafeAfter.length || acts.length < 20 || variance(p.pUnsafeAfter) <= 1e-4) return [];
    return [{ runId: r.runId, layer, acts, y: p.pUnsafeAfter }];
  });
  if (data.length === 0) return null;
  const permutationRun = (options.permutations ?? 200) > 0 ? [...data].sort((a, b) => variance(b.y) - variance(a.y))[0]!.runId : null;
  const perRun = data.map((d) => ({
    runId: d.runId,
    ...withinTrainPredictor(d.acts, d.y, { ...options, permutations: d.runId === permutationRun ? (options.permutations ?? 200) : 0 }),
  }));
  const mean = (f: (r: WithinTrainResult) => number) => perRun.reduce((s, r) => s + f(r), 0) / perRun.length;
  return {
    layer: data[0]!.layer,
    runs: perRun.length,
    features: perRun[0]!.features,
    mean: {
      pcOls: mean((r) => r.pc.ols.meanR2),
      pcLasso: mean((r) => r.pc.lasso.meanR2),
      randomOls: mean((r) => r.random.ols.meanR2),
      randomLasso: mean((r) => r.random.lasso.meanR2),
    },
    randomLassoBeatsMean: perRun.filter((r) => r.random.lasso.meanR2 > 0 && (r.random.lasso.vsMean.p ?? 1) < 0.05).length,
    permutationRun,
    perRun,
  };
}
