import { escapeHtml } from '../report/escapeHtml.js';
import { formatValue } from '../report/formatNumber.js';
import { renderReportPage } from '../report/renderReportPage.js';
import { renderScatter } from '../report/renderScatter.js';
import type { ForecastEvaluation } from './evaluateForecast.js';
import type { ForecastModel } from './forecastModel.js';
import type { Recommendation } from './recommendConfigs.js';

/** The forecast as a report section: CV R², the chosen model, out-of-fold forecast vs observed, and a held-out evaluation when given. */
export function renderForecastSection(model: ForecastModel, evaluation?: ForecastEvaluation): string {
  const oof = model.runs.map((r) => ({ x: r.outOfFold, y: r.misalignedRate, label: r.runId, group: r.settings.optimizer }));
  const top = model.features.names
    .map((n, j) => ({ n, w: model.model.coefficients[j]! }))
    .filter((c) => c.w !== 0)
    .sort((a, b) => Math.abs(b.w) - Math.abs(a.w))
    .slice(0, 10);
  const parts = [
    `<section id="forecast"><h2>Forecast of the final misaligned rate</h2>`,
    `<p>Fitted on <code>${escapeHtml(model.source.sweepDir)}</code> (${model.source.runs} runs). Model: ${model.model.kind}, λ = ${model.model.lambda} (nested CV, ${model.cv.outerFolds} outer × ${model.cv.innerFolds} inner folds). Nested-CV R² <b>${model.cv.r2.toFixed(3)}</b> [${model.cv.lower.toFixed(3)}, ${model.cv.upper.toFixed(3)}], Spearman ${formatValue(model.cv.spearman)}. 95 % prediction interval: forecast ${model.residuals.q025.toFixed(3)} … +${model.residuals.q975.toFixed(3)}.</p>`,
    `<div class="charts"><figure class="chart-card"><figcaption>Out-of-fold forecast vs observed (fit sweep)</figcaption>${renderScatter(oof, undefined, { xLabel: 'forecast', yLabel: 'observed final misaligned rate' })}</figure>`,
  ];
  if (evaluation) {
    const pts = evaluation.predictions.map((p) => ({ x: p.forecast, y: p.observed, label: p.runId }));
    parts.push(
      `<figure class="chart-card"><figcaption>Held-out sweep <code>${escapeHtml(evaluation.sweepDir)}</code>: R² ${evaluation.r2.value.toFixed(3)} [${evaluation.r2.lower.toFixed(3)}, ${evaluation.r2.upper.toFixed(3)}], Spearman ${formatValue(evaluation.spearman.r)}</figcaption>${renderScatter(pts, undefined, { xLabel: 'forecast', yLabel: 'observed final misaligned rate' })}</figure>`,
    );
  }
  parts.push(
    '</div>',
    '<table><thead><tr><th>largest weights (original units)</th><th>weight</th></tr></thead><tbody>',
    ...top.map((c) => `<tr><td><code>${escapeHtml(c.n)}</code></td><td class="num">${formatValue(c.w)}</td></tr>`),
    '</tbody></table></section>',
  );
  return parts.join('\n');
}

/** The recommendation as a report section. */
export function renderRecommendSection(rec: Recommendation): string {
  const rows = rec.configs.map(
    (c) =>
      `<tr${c === rec.best ? ' style="font-weight:600"' : ''}><td class="num">${c.lossBin + 1}</td><td class="num">${c.rankInBin}</td><td><code>${escapeHtml(c.key)}</code></td><td class="num">${c.runs}</td><td class="num">${c.observed.toFixed(3)}</td><td class="num">${c.forecast.toFixed(3)}</td><td class="num">${formatValue(c.inDomainLoss)}</td><td class="num">${(100 * c.policyFiredShare).toFixed(0)} %</td></tr>`,
  );
  return [
    '<section id="recommend"><h2>Configurations at matched in-domain loss</h2>',
    rec.best
      ? `<p class="stop stop-completed">Best: <code>${escapeHtml(rec.best.key)}</code></p><ul>${rec.evidence.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`
      : '<p class="notes">No configuration with an in-domain loss to compare.</p>',
    '<table><thead><tr><th>loss tercile</th><th>rank</th><th>configuration</th><th>runs</th><th>observed</th><th>forecast (out-of-sample)</th><th>in-domain loss</th><th>policy fired</th></tr></thead><tbody>',
    ...rows,
    '</tbody></table></section>',
  ].join('\n');
}

export function renderForecastReport(body: string[], title = 'em-guard forecast'): string {
  return renderReportPage({ title, body });
}
