import { escapeHtml } from './escapeHtml.js';
import type { ReportSection, RunReportContext } from './reportSection.js';
import { renderRunMetricChart } from './renderRunMetricChart.js';

/** Keys across runs in first-seen order (the first run's order wins). */
function unionKeys(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}

/** The judge's ground truth (e.g. the organism's out-of-domain misaligned rate), one chart per value. */
export const judgeChartsSection: ReportSection<RunReportContext> = {
  id: 'judge',
  render(context) {
    const keys = unionKeys(context.runs.map((r) => r.judge.map((j) => j.key)));
    if (keys.length === 0) return '';
    return `<section id="judge"><h2>Ground truth (judge)</h2><div class="charts">${keys.map((k) => renderRunMetricChart(context, k, 'judge')).join('')}</div></section>`;
  },
};

/** One chart per aggregate metric (`metric`, not `metric@layer`). */
export const metricChartsSection: ReportSection<RunReportContext> = {
  id: 'metrics',
  render(context) {
    const keys = unionKeys(context.runs.map((r) => r.metrics.filter((m) => m.layer === null).map((m) => m.key)));
    if (keys.length === 0) return '<section id="metrics"><h2>Metrics</h2><p>No metric was recorded.</p></section>';
    return `<section id="metrics"><h2>Metrics</h2><div class="charts">${keys.map((k) => renderRunMetricChart(context, k, 'metric')).join('')}</div></section>`;
  },
};

/** Per-layer metrics (`metric@layer`), collapsed by default and grouped by layer. */
export const layerChartsSection: ReportSection<RunReportContext> = {
  id: 'layers',
  render(context) {
    const metrics = context.runs.flatMap((r) => r.metrics.filter((m) => m.layer !== null));
    if (metrics.length === 0) return '';
    const layers = unionKeys([metrics.map((m) => m.layer ?? '')]);
    const groups = layers.map((layer) => {
      const keys = unionKeys([metrics.filter((m) => m.layer === layer).map((m) => m.key)]);
      return `<details class="layer"><summary>Layer <code>${escapeHtml(layer)}</code> (${keys.length} chart${keys.length === 1 ? '' : 's'})</summary><div class="charts">${keys.map((k) => renderRunMetricChart(context, k, 'metric')).join('')}</div></details>`;
    });
    return `<section id="layers"><h2>Per-layer metrics</h2>${groups.join('')}</section>`;
  },
};
