import { escapeHtml } from './escapeHtml.js';
import type { ReportSection, RunReportContext } from './reportSection.js';

/** Most generations shown per judged step and run (the log keeps them all). */
const PER_STEP = 6;

/**
 * What the model actually wrote: for each run, the judge's sampled generations at every step it
 * ran (language-model organisms log them with their labels), so a reader sees the misaligned
 * answers behind the judge's rate. Left out when no judge record carries samples.
 */
export const runGenerationsSection: ReportSection<RunReportContext> = {
  id: 'generations',
  render(context) {
    const blocks = context.runs.flatMap((run, i) => {
      if (run.generations.length === 0) return [];
      const rows = run.generations.flatMap((g) =>
        g.samples
          .slice(0, PER_STEP)
          .map(
            (s, j) =>
              `<tr>${j === 0 ? `<td class="num" rowspan="${Math.min(PER_STEP, g.samples.length)}">${g.step}</td>` : ''}<td><code>${escapeHtml(s.prompt)}</code></td>` +
              `<td class="num">${s.temperature === undefined ? '' : s.temperature}</td><td>${escapeHtml(s.response)}</td><td><span class="gen gen-${escapeHtml(s.label)}">${escapeHtml(s.label)}</span></td></tr>`,
          ),
      );
      return [
        `<details${i === 0 ? ' open' : ''}><summary><span class="swatch" style="background:${context.colors[i]}"></span> ${escapeHtml(context.names[i] ?? run.runId)}: ${run.generations.length} judged steps</summary>` +
          `<table><thead><tr><th>step</th><th>prompt</th><th>temp.</th><th>generated answer</th><th>judge</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`,
      ];
    });
    if (blocks.length === 0) return '';
    return `<section id="generations"><h2>Generations the judge read</h2><p>The first ${PER_STEP} out-of-domain answers at each judged step (greedy and sampled); labels from the grammar-parsing judge the guard never sees.</p>${blocks.join('')}</section>`;
  },
};
