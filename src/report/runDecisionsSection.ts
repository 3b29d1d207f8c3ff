import { metricKey } from './buildRunSeries.js';
import { escapeHtml } from './escapeHtml.js';
import { formatValue } from './formatNumber.js';
import type { ReportSection, RunReportContext } from './reportSection.js';

/**
 * The audit trail behind the shaded windows: one row per firing window (consecutive checks on which
 * a rule fired), then every single decision in a collapsed table.
 */
export const runDecisionsSection: ReportSection<RunReportContext> = {
  id: 'decisions',
  render(context) {
    const total = context.runs.reduce((n, r) => n + r.decisions.length, 0);
    if (total === 0) return '<section id="decisions"><h2>Rule firings</h2><p>No rule fired.</p></section>';
    const runCell = (i: number): string =>
      `<td class="run-cell"><span class="swatch" style="background:${context.colors[i]}"></span> ${escapeHtml(context.names[i] ?? context.runs[i]?.runId ?? '')}</td>`;
    const windows = context.runs.flatMap((run, i) =>
      run.metrics
        .flatMap((m) => m.windows)
        .sort((a, b) => a.fromStep - b.fromStep)
        .map(
          (w) =>
            `<tr>${runCell(i)}<td><code>${escapeHtml(w.rule)}</code></td><td><code>${escapeHtml(w.metricKey)}</code></td>` +
            `<td class="num">${w.fromStep}–${w.toStep}</td><td class="num">${w.count}</td>` +
            `<td class="num">${escapeHtml(formatValue(w.firstValue))} → ${escapeHtml(formatValue(w.lastValue))}</td><td>${escapeHtml(w.op)} ${escapeHtml(formatValue(w.threshold))}</td>` +
            `<td><span class="sev sev-${escapeHtml(w.severity)}">${escapeHtml(w.severity)}</span></td><td>${escapeHtml(w.actions.join(', '))}</td><td>${escapeHtml(w.summary)}</td></tr>`,
        ),
    );
    const rows = context.runs.flatMap((run, i) =>
      run.decisions.map(
        (d) =>
          `<tr>${runCell(i)}<td class="num">${d.step}</td><td class="num">${d.epoch}</td><td><code>${escapeHtml(d.rule)}</code></td>` +
          `<td><code>${escapeHtml(metricKey(d.metric, d.layer))}</code></td>` +
          `<td class="num">${escapeHtml(formatValue(d.value))}</td><td>${escapeHtml(d.op)} ${escapeHtml(formatValue(d.threshold))}</td>` +
          `<td><span class="sev sev-${escapeHtml(d.severity)}">${escapeHtml(d.severity)}</span></td>` +
          `<td>${escapeHtml(d.actions.join(', '))}</td><td>${escapeHtml(d.summary)}</td></tr>`,
      ),
    );
    return (
      `<section id="decisions"><h2>Rule firings</h2>` +
      `<table class="windows"><thead><tr><th>run</th><th>rule</th><th>metric</th><th>steps</th><th>checks</th><th>value</th><th>threshold</th><th>severity</th><th>actions</th><th>summary</th></tr></thead>` +
      `<tbody>${windows.join('')}</tbody></table>` +
      `<details><summary>All ${total} decision${total === 1 ? '' : 's'}</summary>` +
      `<table class="decisions"><thead><tr><th>run</th><th>step</th><th>epoch</th><th>rule</th><th>metric</th><th>value</th><th>threshold</th><th>severity</th><th>actions</th><th>summary</th></tr></thead>` +
      `<tbody>${rows.join('')}</tbody></table></details></section>`
    );
  },
};
