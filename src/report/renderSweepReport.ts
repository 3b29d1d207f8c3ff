import type { AnalyzeRunsReport } from '../analysis/analyzeRuns.js';
import { formatAnalyzeRuns } from '../analysis/formatAnalyzeRuns.js';
import { pearson } from '../analysis/pearson.js';
import { escapeHtml } from './escapeHtml.js';
import { renderReportPage } from './renderReportPage.js';
import { renderRocCurves } from './renderRocCurves.js';
import { renderScatter } from './renderScatter.js';

/** Least-squares line y = a + b·x through the points, or null when x is constant. */
function olsFit(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number } | null {
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/**
 * The sweep page: final in-domain loss vs alignment across runs with the OLS fit (coloured by
 * optimizer), ROC curves of the best guard metrics at 25 % of training, and the analysis table as
 * text. Self-contained HTML (the run report's page shell).
 */
export function renderSweepReport(report: AnalyzeRunsReport): string {
  const pts = report.lossAlignment.points;
  const fit = olsFit(
    pts.map((p) => p.loss),
    pts.map((p) => p.alignment),
  );
  const r = pearson(
    pts.map((p) => p.loss),
    pts.map((p) => p.alignment),
  ).r;
  const scatter = renderScatter(
    pts.map((p) => ({ x: p.loss, y: p.alignment, label: `${p.runId}${p.em ? ' (EM)' : ''}`, group: p.group })),
    fit ? { ...fit, label: `OLS fit, r = ${r === null ? '—' : r.toFixed(2)} (paper ≈ ${report.paper.lossAlignmentCorrelation})` } : undefined,
    { title: 'Final in-domain loss vs alignment', xLabel: 'final in-domain loss', yLabel: 'alignment (1 − misaligned rate)' },
  );
  const curves = report.detection.roc25
    .filter((c) => c.points.length > 0)
    .map((c) => ({ name: c.key, points: c.points, ...(c.auc !== null ? { auc: c.auc } : {}) }));
  const roc = curves.length
    ? renderRocCurves(curves, { title: 'ROC at 25 % of training (EM vs benign runs)' })
    : '<p>No ROC curves: the runs have only one class (all EM or all benign).</p>';
  return renderReportPage({
    title: 'em-guard sweep report',
    subtitle: `${report.dir}: ${report.runs} runs, ${report.em} EM, ${report.benign} benign (limit ${report.limit})`,
    body: [
      `<section id="sweep-scatter"><h2>Loss vs alignment</h2>${scatter}</section>`,
      `<section id="sweep-roc"><h2>Detection at 25 % of training</h2>${roc}</section>`,
      `<section id="sweep-table"><h2>Analysis</h2><pre>${escapeHtml(formatAnalyzeRuns(report))}</pre></section>`,
    ],
  });
}
