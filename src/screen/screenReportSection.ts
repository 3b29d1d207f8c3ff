import { escapeHtml } from '../report/escapeHtml.js';
import { formatValue } from '../report/formatNumber.js';
import { renderReportPage } from '../report/renderReportPage.js';
import type { ScreenResult } from './screenDataset.js';

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

/** The screen as an HTML report section: verdict, dataset score per layer, most suspicious examples. */
export function renderScreenSection(result: ScreenResult, options: { title?: string; top?: number } = {}): string {
  const top = options.top ?? 20;
  const layerRows = result.layers.map(
    (l) =>
      `<tr><td><code>${escapeHtml(l.layer)}</code>${l.layer === result.primaryLayer ? ' (primary)' : ''}</td><td class="num">${formatValue(l.mean.value)} [${formatValue(l.mean.lower)}, ${formatValue(l.mean.upper)}]</td><td class="num">${pct(l.shareAbove.value)} [${pct(l.shareAbove.lower)}, ${pct(l.shareAbove.upper)}]</td><td class="num">${formatValue(l.threshold)}</td><td class="num">${formatValue(l.calibration.mean)} / ${pct(l.calibration.shareAbove)}</td><td class="num">${formatValue(l.contrastGap)}</td></tr>`,
  );
  const exRows = result.ranked
    .slice(0, top)
    .map(
      (e, r) =>
        `<tr><td class="num">${r + 1}</td><td class="num">${e.index}</td><td class="num">${formatValue(e.score)}</td><td>${escapeHtml(e.target)}</td><td>${escapeHtml(e.own)}</td><td><code>${escapeHtml(e.text ?? '–')}</code></td></tr>`,
    );
  const skipped = result.skipped.length
    ? `<p class="notes">Not screened: ${result.skipped.map((s) => `<code>${escapeHtml(s.layer)}</code> (${escapeHtml(s.reason)})`).join('; ')}</p>`
    : '';
  return [
    `<section id="screen"><h2>${escapeHtml(options.title ?? 'Training-data screen')}</h2>`,
    `<p class="stop ${result.verdict === 'flag' ? 'stop-aborted' : 'stop-completed'}">${result.verdict === 'flag' ? 'Flagged' : 'Passed'}: ${escapeHtml(result.verdictReason)}.</p>`,
    `<p>${result.n} ${escapeHtml(result.kind)} examples. Score: ${
      result.gradient
        ? `gradient alignment: the example's training-loss gradient dotted with the unit gradient of the preference margin M (aligned over misaligned answers) over ${result.gradient.parameters} parameters; positive = one training step on it lowers M (M = ${formatValue(result.gradient.margin)}, ‖∇M‖ = ${formatValue(result.gradient.norm)}, the "contrast gap" column)`
        : "projection difference on the misalignment direction (mean misaligned − mean aligned contrast activations), training target against the model's own answer"
    }; threshold = the aligned calibration data's ${Math.round(result.quantile * 100)}th percentile. Intervals: 95 % percentile bootstrap.</p>`,
    skipped,
    '<table><thead><tr><th>layer</th><th>mean score [95 % CI]</th><th>share above threshold [95 % CI]</th><th>threshold</th><th>aligned data: mean / share</th><th>contrast gap</th></tr></thead><tbody>',
    ...layerRows,
    '</tbody></table>',
    `<h3>Most suspicious examples (top ${Math.min(top, result.ranked.length)} of ${result.ranked.length}, by <code>${escapeHtml(result.primaryLayer)}</code>)</h3>`,
    "<table><thead><tr><th>rank</th><th>example</th><th>score</th><th>training target</th><th>model's own answer</th><th>text</th></tr></thead><tbody>",
    ...exRows,
    '</tbody></table></section>',
  ].join('\n');
}

/** A standalone report page holding the screen section. */
export function renderScreenReport(result: ScreenResult, options: { title?: string; subtitle?: string; top?: number } = {}): string {
  return renderReportPage({
    title: options.title ?? 'em-guard screen',
    ...(options.subtitle ? { subtitle: options.subtitle } : {}),
    body: [renderScreenSection(result, options)],
  });
}
