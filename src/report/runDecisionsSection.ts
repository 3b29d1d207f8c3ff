import { escapeHtml } from './escapeHtml.js';
import { formatValue } from './formatNumber.js';
import type { ReportSection, RunReportContext } from './reportSection.js';

/** Every decision of every run as a table (collapsed): the audit trail behind the shaded windows. */
export const runDecisionsSection: ReportSection<RunReportContext> = {
  id: 'decisions',
  render(context) {
    const total = context.runs.reduce((n, r) => n + r.decisions.length, 0);
    if (total === 0) return '<section id="decisions"><h2>Decisions</h2><p>No rule fired.</p></section>';
    const rows = context.runs.flatMap((run, i) =>
      run.decisions.map(
        (d) =>
          `<tr><td><span class="swatch" style="background:${context.colors[i]}"></span> ${escapeHtml(context.names[i] ?? run.runId)}</td>` +
          `<td class="num">${d.step}</td><td class="num">${d.epoch}</td><td><code>${escapeHtml(d.rule)}</code></td>` +
          `<td><code>${escapeHtml(d.layer ? `${d.metric}@${d.layer}` : d.metric)}</code></td>` +
          `<td class="num">${escapeHtml(formatValue(d.value))}</td><td>${escapeHtml(d.op)} ${escapeHtml(formatValue(d.threshold))}</td>` +
          `<td><span class="sev sev-${escapeHtml(d.severity)}">${escapeHtml(d.severity)}</span></td>` +
          `<td>${escapeHtml(d.actions.join(', '))}</td><td>${escapeHtml(d.summary)}</td></tr>`,
      ),
    );
    return (
      `<section id="decisions"><h2>Decisions</h2><details><summary>${total} decision${total === 1 ? '' : 's'}</summary>` +
      `<table><thead><tr><th>run</th><th>step</th><th>epoch</th><th>rule</th><th>metric</th><th>value</th><th>threshold</th><th>severity</th><th>actions</th><th>summary</th></tr></thead>` +
      `<tbody>${rows.join('')}</tbody></table></details></section>`
    );
  },
};
