import { escapeHtml } from './escapeHtml.js';
import { formatValue } from './formatNumber.js';
import type { ReportSection, RunReportContext } from './reportSection.js';
import type { RunSeries } from './RunSeries.js';

/** One card per run: identity, policy, backend, probes, how it stopped, the judge's last word. */
export const runHeaderSection: ReportSection<RunReportContext> = {
  id: 'runs',
  render(context) {
    const cards = context.runs.map((run, i) => runCard(run, context.names[i] ?? run.runId, context.colors[i] ?? '#495057'));
    return `<section id="runs" class="runs">${cards.join('')}</section>`;
  },
};

/** What the lines, bands and glyphs mean; with two or more runs, which colour is which run. */
export const legendSection: ReportSection<RunReportContext> = {
  id: 'legend',
  render(context) {
    const runs =
      context.runs.length > 1
        ? context.runs.map(
            (run, i) =>
              `<span class="legend-item"><span class="legend-line" style="border-color:${context.colors[i]}"></span>${escapeHtml(context.names[i] ?? run.runId)}</span>`,
          )
        : [];
    const keys = [
      `<span class="legend-item"><span class="legend-line dashed"></span>policy threshold</span>`,
      `<span class="legend-item"><span class="legend-band" style="background:rgba(250,82,82,.25)"></span>rule firing (critical)</span>`,
      `<span class="legend-item"><span class="legend-band" style="background:rgba(250,176,5,.3)"></span>rule firing (warning/info)</span>`,
      `<span class="legend-item"><span class="legend-glyph">◆</span>checkpoint</span>`,
      `<span class="legend-item"><span class="legend-glyph">✕</span>abort</span>`,
      `<span class="legend-item"><span class="legend-glyph">◀</span>rollback</span>`,
      `<span class="legend-item"><span class="legend-glyph">○</span>baseline</span>`,
    ];
    return `<div id="legend" class="legend-bar">${[...runs, ...keys].join('')}</div>`;
  },
};

function runCard(run: RunSeries, name: string, color: string): string {
  const rows: [string, string][] = [];
  if (name !== run.runId) rows.push(['run id', `<code>${escapeHtml(run.runId)}</code>`]);
  rows.push(['policy', run.policySource === null ? '–' : `<code>${escapeHtml(run.policySource)}</code>`]);
  rows.push(['backend', escapeHtml(run.backend ?? '–')]);
  rows.push(['layers', run.layers.length ? run.layers.map((l) => `<code>${escapeHtml(l)}</code>`).join(', ') : '–']);
  const probes = Object.entries(run.probes);
  if (probes.length) rows.push(['probes', probes.map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(formatValue(v))}`).join(', ')]);
  rows.push(['checks', `${run.checkSteps.length} (last step ${run.lastStep})`]);
  const bySeverity = countBy(run.decisions.map((d) => d.severity));
  rows.push([
    'decisions',
    run.decisions.length
      ? Object.entries(bySeverity)
          .map(([s, n]) => `<span class="sev sev-${escapeHtml(s)}">${n} ${escapeHtml(s)}</span>`)
          .join(' ')
      : 'none',
  ]);
  if (run.notices.length)
    rows.push([
      'notices',
      `<a href="#notices">${run.notices.length}</a> (${[...new Set(run.notices.map((n) => n.code))].map((c) => `<code>${escapeHtml(c)}</code>`).join(', ')})`,
    ]);
  for (const j of run.judge) {
    const last = [...j.points].reverse().find((p) => p.value !== null);
    if (last) rows.push([`judge ${escapeHtml(j.key)}`, `${escapeHtml(formatValue(last.value))} <span class="caption-note">at step ${last.step}</span>`]);
  }
  for (const [k, v] of Object.entries(run.meta)) {
    if (k === 'label') continue;
    const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
    rows.push([escapeHtml(k), escapeHtml(text.length > 160 ? `${text.slice(0, 157)}...` : text)]);
  }
  if (run.startTime) rows.push(['started', escapeHtml(run.startTime)]);
  rows.push(['log', `<code>${escapeHtml(run.source)}</code>`]);
  const notes = run.unresolved.map(
    (u) => `rule ${escapeHtml(u.rule)} on <code>${escapeHtml(u.metricKey)}</code>: threshold not drawn, ${escapeHtml(u.reason)}`,
  );
  return (
    `<article class="card run-card" data-run-id="${escapeHtml(run.runId)}">` +
    `<h3><span class="swatch" style="background:${color}"></span>${escapeHtml(name)}</h3>` +
    stopLine(run) +
    `<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>` +
    (notes.length ? `<p class="notes">${notes.join('<br>')}</p>` : '') +
    `</article>`
  );
}

/** How the run ended, in one sentence a reviewer can quote. */
function stopLine(run: RunSeries): string {
  const reason = run.end?.stopReason;
  if (reason) {
    return `<div class="stop stop-aborted">Stopped by rule <code>${escapeHtml(reason.rule)}</code> at step ${reason.step} (epoch ${reason.epoch}): ${escapeHtml(reason.metric)} = ${escapeHtml(formatValue(reason.value))}, threshold ${escapeHtml(formatValue(reason.threshold))}</div>`;
  }
  if (run.end) {
    return run.end.stopped
      ? `<div class="stop stop-aborted">Stopped at step ${run.end.step} (no stop reason recorded)</div>`
      : `<div class="stop stop-completed">Ran to completion: step ${run.end.step}, epoch ${run.end.epoch}</div>`;
  }
  const abort = run.markers.find((m) => m.kind === 'abort');
  return `<div class="stop stop-unknown">No end record (the run crashed or is still going)${abort ? `; ${escapeHtml(abort.label)}` : ''}</div>`;
}

function countBy(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of items) out[x] = (out[x] ?? 0) + 1;
  return out;
}
