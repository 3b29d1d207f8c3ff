import type { CorrelationResult } from './correlationResult.js';
import type { AnalyzeRunsReport } from './analyzeRuns.js';
import type { AbortStats } from './detectionQuality.js';

const f = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${(100 * v).toFixed(1)} %`);
const pv = (p: number | null | undefined): string => (p === null || p === undefined ? '—' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

function corr(c: CorrelationResult): string {
  return `${f(c.r)} [${c.ci ? `${f(c.ci[0])}, ${f(c.ci[1])}` : '—'}], p = ${pv(c.p)}${c.reason ? ` (${c.reason})` : ''}`;
}

function abort(name: string, s: AbortStats): string {
  return `  ${name.padEnd(34)} false aborts ${s.falseAborts}/${s.nBenign} (${pct(s.falseAbortRate)}), missed EM ${s.missed}/${s.nEm} (${pct(s.missedRate)}), late ${s.late}, lead median ${f(s.leadChecks.median, 1)} checks (min ${f(s.leadChecks.min, 0)}, max ${f(s.leadChecks.max, 0)})`;
}

/** The human table of `em-guard analyze-runs` (the README's Diagnostics table is this output). */
export function formatAnalyzeRuns(r: AnalyzeRunsReport): string {
  const out: string[] = [];
  out.push(
    `Sweep ${r.dir}: ${r.runs} runs (${r.em} EM, ${r.benign} benign; EM = ${r.label === 'peak' ? 'out-of-domain misaligned rate above' : 'final out-of-domain misaligned rate >'} ${r.limit}${r.label === 'peak' ? ' at any check' : ''})${r.skipped.length ? `, ${r.skipped.length} unfinished` : ''}${r.crashed.length ? `, ${r.crashed.length} crashed` : ''}`,
  );
  if (r.transient.length)
    out.push(
      `  ${r.transient.length} run(s) crossed the limit mid-training and recovered by the end${r.label === 'final' ? ' (benign under this label; see --label peak)' : ''}: ${r.transient.join(', ')}`,
    );
  out.push('');
  out.push('Paper-style table                          ours                                         paper');
  out.push(`  loss ↔ alignment, Pearson r [95% CI]     ${corr(r.lossAlignment.pearson).padEnd(44)} ≈ ${r.paper.lossAlignmentCorrelation}`);
  out.push(`  loss ↔ alignment, Spearman ρ [95% CI]    ${corr(r.lossAlignment.spearman)}`);
  for (const p of r.prediction) {
    out.push(
      `  prediction R² (${p.layer}, ${p.runs} runs)`.padEnd(43) +
        `ridge U_k ${f(p.deltaR2)} vs random ${f(p.randomR2)}, forest ${p.forestRuns ? `${f(p.forestR2)} vs ridge ${f(p.ridgeR2OnForestRuns)} (${p.forestRuns} runs)` : '—'}, perm. p = ${pv(p.permutation?.p)}`.padEnd(
          45,
        ) +
        ` ≈ ${r.paper.predictionR2}`,
    );
  }
  for (const o of r.overlap) {
    out.push(
      `  delta-subspace overlap (${o.layer})`.padEnd(43) +
        `${f(o.meanOverlap)} over ${o.pairs} pairs (EM ${f(o.meanOverlapEm)}, benign ${f(o.meanOverlapBenign)}) vs random k/d = ${f(o.randomBaseline)}`,
    );
  }
  if (r.separation) {
    const w = r.separation.welch;
    out.push(
      `  alignment after vs before (Welch)        diff ${f(w.meanDiff)} [${w.ci ? `${f(w.ci[0])}, ${f(w.ci[1])}` : '—'}], t = ${f(w.t, 2)}, p = ${pv(w.p)}, Hedges g = ${f(w.hedgesG, 2)}${w.reason ? ` (${w.reason})` : ''}`,
    );
  }
  if (r.beforeAfter) {
    const b = r.beforeAfter;
    out.push(
      `  per-prompt p(unsafe) after vs before      KS p < 0.01 in ${b.ksBelow001}/${b.runs} runs, Wilcoxon p < 0.01 in ${b.wilcoxonBelow001}/${b.runs}; OLS after~before median slope ${f(b.medianSlope)}, R² ${f(b.medianR2)}`.padEnd(
        88,
      ) + ' p < 0.01',
    );
  }
  if (r.withinTrain) {
    const w = r.withinTrain;
    const perm = w.perRun.find((p) => p.runId === w.permutationRun);
    out.push(`  within-train predictor (${w.layer}, ${w.runs} runs, ${w.features}+${w.features} features)`);
    out.push(
      `    Lasso CV-R²: random directions ${f(w.mean.randomLasso)}, top PCs ${f(w.mean.pcLasso)}; OLS: random ${f(w.mean.randomOls)}, PCs ${f(w.mean.pcOls)}`.padEnd(
        88,
      ) + ` Lasso ${r.paper.withinTrainLassoR2[0]}–${r.paper.withinTrainLassoR2[1]} (random), OLS < 0 when p > n`,
    );
    out.push(
      `    random-direction Lasso beats the mean predictor (Nadeau–Bengio p < 0.05) in ${w.randomLassoBeatsMean}/${w.runs} runs${perm ? `; permutation p (${perm.runId}): random Lasso ${pv(perm.random.lasso.permutationP)}, PC Lasso ${pv(perm.pc.lasso.permutationP)}` : ''}`,
    );
  }
  out.push('');
  out.push('Alignment (1 − misaligned rate) at matched final in-domain loss (quantile bins)');
  for (const b of r.matchedLoss.bins) {
    const by = (g: Record<string, { n: number; meanAlignment: number }>) =>
      Object.entries(g)
        .map(([k, v]) => `${k} ${f(v.meanAlignment, 2)} (${v.n})`)
        .join(', ');
    out.push(`  loss (${f(b.lo, 4)}, ${f(b.hi, 4)}], n=${b.n}: schedule: ${by(b.bySchedule)}; optimizer: ${by(b.byOptimizer)}`);
  }
  out.push('');
  out.push(
    `Detection (targets: AUROC ≥ ${r.detection.targets.auroc} at 25 %, missed ≤ ${pct(r.detection.targets.missedRate)}, false aborts ≤ ${pct(r.detection.targets.falseAbortRate)})`,
  );
  for (const a of r.detection.auroc) {
    out.push(
      `  AUROC at ${Math.round(a.fraction * 100)} % of training: ${a.top
        .slice(0, 5)
        .map((m) => `${m.key} ${f(m.auc)}`)
        .join(', ')}`,
    );
  }
  out.push(abort('replayed policy', r.detection.policy.stats));
  const rb = r.detection.policy.stats.rollback;
  if (rb && rb.emAborts > 0) {
    out.push(
      `    its rollbacks: ${rb.rolledBack}/${rb.emAborts} EM aborts roll back; the judge reads ${rb.restoredOverLimit} of the restored models over the limit${rb.unjudged ? ` (${rb.unjudged} restored steps unjudged)` : ''}`,
    );
  }
  const lb = r.detection.lossBaseline;
  out.push(abort(`loss early stop (< ${f(lb.threshold, 4)})`, lb));
  out.push(`  (policy replayed: ${r.detection.policy.source}; the loss threshold was tuned in-sample on these runs, the policy was not)`);
  out.push('');
  out.push('Threshold proposals (in-sample scan; validate on new runs before adopting)');
  for (const p of r.detection.proposals) {
    out.push(
      `  ${p.meetsTargets ? 'meets ' : 'misses'} ${p.rule}: ${p.metric} ${p.op} ${p.relativeTo === 'baseline' ? 'baseline ' + (p.threshold >= 0 ? '+ ' : '− ') + f(Math.abs(p.threshold), 4) : f(p.threshold, 4)} for ${p.for}: false ${pct(p.stats.falseAbortRate)}, missed ${pct(p.stats.missedRate)}, late ${p.stats.late}, lead median ${f(p.stats.leadChecks.median, 1)}${p.meetingRange ? `; targets met for thresholds in [${f(p.meetingRange[0], 4)}, ${f(p.meetingRange[1], 4)}]` : ''}`,
    );
  }
  return out.join('\n');
}
