import { escapeHtml } from './escapeHtml.js';
import type { ReportSection, RunReportContext } from './reportSection.js';

/**
 * What the guard could not watch: rules off for the whole fit, rules skipped at checks, checks
 * that could not use the capture worker. A reader must see these next to the firings: a rule that
 * never fired because it could not be evaluated is not a clean bill of health.
 */
export const runNoticesSection: ReportSection<RunReportContext> = {
  id: 'notices',
  render(context) {
    const total = context.runs.reduce((n, r) => n + r.notices.length, 0);
    if (total === 0) return '<section id="notices"><h2>Notices</h2><p>None: every rule could be evaluated at every check.</p></section>';
    const rows = context.runs.flatMap((run, i) =>
      run.notices.map(
        (n) =>
          `<tr><td class="run-cell"><span class="swatch" style="background:${context.colors[i]}"></span> ${escapeHtml(context.names[i] ?? run.runId)}</td>` +
          `<td class="num">${n.step}</td><td><code>${escapeHtml(n.code)}</code></td><td>${n.rule ? `<code>${escapeHtml(n.rule)}</code>` : ''}</td>` +
          `<td>${n.metric ? `<code>${escapeHtml(n.metric)}</code>` : ''}</td><td>${escapeHtml(n.message)}</td></tr>`,
      ),
    );
    return (
      `<section id="notices"><h2>Notices (${total})</h2><p>What the guard could not watch.</p>` +
      `<table class="notices"><thead><tr><th>run</th><th>step</th><th>code</th><th>rule</th><th>metric</th><th>message</th></tr></thead>` +
      `<tbody>${rows.join('')}</tbody></table></section>`
    );
  },
};
