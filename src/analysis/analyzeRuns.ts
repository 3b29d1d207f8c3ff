import { loadPolicy } from '../policy/loadPolicy.js';
import type { Policy } from '../policy/types.js';
import { binByQuantile } from './binByQuantile.js';
import type { CorrelationResult } from './correlationResult.js';
import {
  aurocAtFraction,
  DETECTION_TARGETS,
  rocAtFraction,
  lossBaseline,
  policyReplayStats,
  runTimeline,
  scanRuleThreshold,
  type AbortStats,
  type EmLabel,
  type LossBaseline,
  type MetricAuroc,
  type ThresholdProposal,
} from './detectionQuality.js';
import { pearson } from './pearson.js';
import { predictionAnalysis, type LayerPrediction } from './predictionAnalysis.js';
import { spearman } from './spearman.js';
import { subspaceOverlapAcrossRuns, type LayerOverlap } from './subspaceOverlapAcrossRuns.js';
import { loadSweepRuns, type SweepRuns } from './sweepRunData.js';
import { welchTTest, type WelchTTestResult } from './welchTTest.js';
import type { WithinTrainOptions } from './withinTrainPredictor.js';
import { beforeAfterAcrossRuns, withinTrainAcrossRuns, type BeforeAfterAcrossRuns, type WithinTrainAcrossRuns } from './withinTrainAcrossRuns.js';

/** Reference values reported by the paper this project follows, printed next to ours. */
export const PAPER_VALUES = { lossAlignmentCorrelation: 0.32, predictionR2: 0.45, withinTrainLassoR2: [0.39, 0.52] } as const;

/** Options of {@link analyzeRuns}. */
export interface AnalyzeRunsOptions {
  /** EM label limit on the final out-of-domain misaligned rate. Default: each run's own (0.5 in the demo). */
  limit?: number;
  /** EM label: `final` (final rate > limit, default) or `peak` (the judge exceeded the limit at any check). */
  label?: EmLabel;
  /** Policy to replay offline. Default `default` (the bundled one). */
  policy?: string | Policy;
  /** Training fractions for the AUROC table. Default [0.1, 0.25, 0.5]. */
  fractions?: number[];
  /** Quantile bins of final loss for the matched-loss comparison. Default 3. */
  lossBins?: number;
  /** Permutations of the prediction test (0 skips it). Default 100. */
  permutations?: number;
  /** Trees of the random forest comparison (0 skips it). Default 10. */
  trees?: number;
  /**
   * Permutations of the within-train predictor's test, on one run (the paper's is 200). Default 0:
   * each permutation reruns a 10-fold CV with a LassoCV per fold per model (200 of them ≈ 20× the
   * repeated CV's cost: ≈ 35 s CPU on a 128-prompt run, more on runs with fewer prompts than features).
   */
  withinTrainPermutations?: number;
  /** Run the within-train predictor (the costly part: repeated CV with a LassoCV per fold). Default true. */
  withinTrain?: boolean;
  /** Other settings of the within-train predictor (repeats, folds, LassoCV grid…); defaults are the paper's. */
  withinTrainOptions?: Omit<WithinTrainOptions, 'permutations'>;
}

/** Everything `em-guard analyze-runs` prints, as data (also its `--json`). */
export interface AnalyzeRunsReport {
  dir: string;
  runs: number;
  em: number;
  benign: number;
  limit: number;
  label: EmLabel;
  /** Runs whose judge exceeded the limit during training but not at the end (benign under the `final` label). */
  transient: string[];
  skipped: SweepRuns['skipped'];
  crashed: string[];
  paper: typeof PAPER_VALUES;
  lossAlignment: {
    pearson: CorrelationResult;
    spearman: CorrelationResult;
    points: { runId: string; loss: number; alignment: number; group: string; em: boolean }[];
  };
  matchedLoss: {
    bins: {
      lo: number;
      hi: number;
      n: number;
      bySchedule: Record<string, { n: number; meanAlignment: number }>;
      byOptimizer: Record<string, { n: number; meanAlignment: number }>;
    }[];
  };
  separation: { before: number[]; after: number[]; welch: WelchTTestResult } | null;
  /** Per-prompt p(unsafe) before vs after: KS, Wilcoxon, OLS per run. */
  beforeAfter: BeforeAfterAcrossRuns | null;
  /** The paper's within-train predictor (pre-fine-tune activations → per-prompt p(unsafe) after). */
  withinTrain: WithinTrainAcrossRuns | null;
  prediction: LayerPrediction[];
  overlap: LayerOverlap[];
  detection: {
    targets: typeof DETECTION_TARGETS;
    auroc: { fraction: number; best: MetricAuroc | null; top: MetricAuroc[]; all: MetricAuroc[] }[];
    policy: { source: string; stats: AbortStats };
    lossBaseline: LossBaseline;
    proposals: ThresholdProposal[];
    /** ROC curves at 25 % of training of the best metrics and of the training loss (for the sweep page). */
    roc25: { key: string; auc: number | null; points: { fpr: number; tpr: number }[] }[];
  };
}

function groupMeans(indices: number[], key: (i: number) => string, value: (i: number) => number): Record<string, { n: number; meanAlignment: number }> {
  const out: Record<string, { n: number; meanAlignment: number }> = {};
  for (const i of indices) {
    const g = (out[key(i)] ??= { n: 0, meanAlignment: 0 });
    g.meanAlignment = (g.meanAlignment * g.n + value(i)) / (g.n + 1);
    g.n += 1;
  }
  return out;
}

/**
 * The paper's analysis on a sweep directory: loss ↔ alignment correlation, schedule/optimizer effect
 * at matched loss, before/after separation, per-prompt prediction from pre-fine-tuning activations,
 * delta-subspace overlap across runs, and the guard's detection quality (AUROC per metric over
 * training, the replayed policy's missed/false aborts and lead, a loss early-stopping baseline, and
 * in-sample threshold proposals).
 */
export function analyzeRuns(dir: string, options: AnalyzeRunsOptions = {}): AnalyzeRunsReport {
  const loaded = loadSweepRuns(dir);
  const runs = loaded.runs;
  if (runs.length < 2)
    throw new Error(
      `${dir}: found ${runs.length} finished run(s) (with run.jsonl and result.json); the analysis needs at least 2${
        loaded.skipped.length
          ? ` (${loaded.skipped.length} unfinished: ${loaded.skipped
              .slice(0, 3)
              .map((s) => s.runId)
              .join(', ')})`
          : ''
      }`,
    );
  const limit = options.limit ?? runs[0]!.result.label?.limit ?? 0.5;
  const label = options.label ?? 'final';
  const timelines = runs.map((r) => runTimeline(r, limit, label));
  const isEm = (i: number) => timelines[i]!.em;
  const setting = (i: number, k: string) => {
    const v: unknown = runs[i]!.result.settings?.[k];
    return v === undefined || v === null ? '?' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean);
  };

  const withLoss = runs.map((r, i) => ({ r, i })).filter(({ r }) => typeof r.result.final.inDomainLoss === 'number');
  const loss = withLoss.map(({ r }) => r.result.final.inDomainLoss!);
  const alignment = withLoss.map(({ r }) => 1 - r.result.final.misalignedRate);
  const lossAlignment = {
    pearson: pearson(loss, alignment),
    spearman: spearman(loss, alignment),
    points: withLoss.map(({ r, i }, j) => ({ runId: r.runId, loss: loss[j]!, alignment: alignment[j]!, group: setting(i, 'optimizer'), em: isEm(i) })),
  };

  const bins = loss.length ? binByQuantile(loss, Math.min(options.lossBins ?? 3, loss.length)).bins : [];
  const matchedLoss = {
    bins: bins.map((b) => {
      const idx = b.indices.map((j) => withLoss[j]!.i);
      const align = (i: number) => 1 - runs[i]!.result.final.misalignedRate;
      return {
        lo: b.lo,
        hi: b.hi,
        n: idx.length,
        bySchedule: groupMeans(idx, (i) => setting(i, 'schedule'), align),
        byOptimizer: groupMeans(idx, (i) => setting(i, 'optimizer'), align),
      };
    }),
  };

  const before = runs
    .map((r) => r.result.baseline.misalignedRate)
    .filter((v): v is number => typeof v === 'number')
    .map((v) => 1 - v);
  const after = runs.map((r) => 1 - r.result.final.misalignedRate);
  const separation = before.length >= 2 ? { before, after, welch: welchTTest(after, before) } : null;

  const policy = typeof options.policy === 'object' ? options.policy : loadPolicy(options.policy ?? 'default');
  const fractions = options.fractions ?? [0.1, 0.25, 0.5];
  const auroc = fractions.map((f) => {
    const a = aurocAtFraction(runs, timelines, f);
    return { fraction: f, best: a.metrics[0] ?? null, top: a.metrics.slice(0, 8), all: a.metrics };
  });
  const policyStats = policyReplayStats(policy, runs, timelines);
  const proposals: ThresholdProposal[] = [];
  for (const rule of policy.rules) {
    if (rule.metric === 'nonfinite') continue;
    const p = scanRuleThreshold(policy, rule, runs, timelines);
    if (p) proposals.push(p);
  }
  const at25 = auroc.find((a) => a.fraction === 0.25) ?? auroc[0];
  for (const m of (at25?.top ?? []).slice(0, 3)) {
    if (proposals.some((p) => p.metric === m.key)) continue;
    const [metric, layer] = m.key.split('@') as [string, string | undefined];
    const rule = {
      name: `proposed:${m.key}`,
      metric,
      ...(layer ? { layer } : {}),
      op: m.direction === 'high' ? '>' : '<',
      threshold: 0,
      relativeTo: m.relative ? 'baseline' : 'absolute',
      for: 2,
      unless: [],
      severity: 'critical',
      actions: ['abort'],
      annotations: {},
    } as const;
    const p = scanRuleThreshold(policy, rule, runs, timelines);
    if (p) proposals.push(p);
  }

  const rocKeys = [...(at25?.top ?? []).slice(0, 4).map((m) => m.key), ...((at25?.all ?? []).some((m) => m.key === 'loss') ? ['loss'] : [])];
  const roc25 = [...new Set(rocKeys)].map((key) => ({
    key,
    auc: at25?.all.find((m) => m.key === key)?.auc ?? null,
    points: rocAtFraction(runs, timelines, key, 0.25).map((p) => ({ fpr: p.fpr, tpr: p.tpr })),
  }));

  return {
    dir,
    runs: runs.length,
    em: timelines.filter((t) => t.em).length,
    benign: timelines.filter((t) => !t.em).length,
    limit,
    label,
    transient: timelines.filter((t, i) => t.crossCheck !== null && runs[i]!.result.final.misalignedRate <= limit).map((t) => t.runId),
    skipped: loaded.skipped,
    crashed: loaded.crashed,
    paper: PAPER_VALUES,
    lossAlignment,
    matchedLoss,
    separation,
    beforeAfter: beforeAfterAcrossRuns(runs),
    withinTrain:
      options.withinTrain === false ? null : withinTrainAcrossRuns(runs, { ...options.withinTrainOptions, permutations: options.withinTrainPermutations ?? 0 }),
    prediction: predictionAnalysis(runs, { permutations: options.permutations ?? 100, trees: options.trees ?? 10 }),
    overlap: subspaceOverlapAcrossRuns(runs, (r) => timelines[runs.indexOf(r)]!.em),
    detection: {
      targets: DETECTION_TARGETS,
      auroc,
      policy: { source: policy.source, stats: policyStats },
      lossBaseline: lossBaseline(timelines),
      proposals,
      roc25,
    },
  };
}
