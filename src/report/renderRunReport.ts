import { renderReportPage } from './renderReportPage.js';
import type { RunReportContext, RunReportOptions } from './reportSection.js';
import { RUN_REPORT_SECTIONS } from './runReportSections.js';
import type { RunSeries } from './RunSeries.js';
import { seriesColor } from './seriesColor.js';

/**
 * The run report as one self-contained HTML string: run cards, then every metric over steps with
 * thresholds, firing windows and markers, several runs overlaid in the same charts. Pure: the CLI
 * writes the file.
 */
export function renderRunReport(runs: readonly RunSeries[], options: RunReportOptions = {}): string {
  if (runs.length === 0) throw new Error('Expected at least one run to report on, got 0');
  const context = runReportContext(runs, options);
  const title = options.title ?? 'em-guard run report';
  const subtitle = runs.length === 1 ? `Run ${context.names[0]}` : `${runs.length} runs overlaid: ${context.names.join(' vs ')}`;
  const body = (options.sections ?? RUN_REPORT_SECTIONS).map((s) => s.render(context)).filter((html) => html !== '');
  return renderReportPage({ title, subtitle, body });
}

/** Computes once what every section needs: unique legend names, colours and the shared step range. */
export function runReportContext(runs: readonly RunSeries[], options: RunReportOptions = {}): RunReportContext {
  const labels = runs.map((r) => r.label);
  const names = labels.map((label, i) =>
    labels.indexOf(label) === labels.lastIndexOf(label) ? label : label === runs[i]?.runId ? `${label} #${i + 1}` : `${label} (${runs[i]?.runId})`,
  );
  // Same label and same run id (one run given twice): number them.
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) names[i] = `${name} #${i + 1}`;
  });
  const steps = runs.flatMap((r) => [r.lastStep, ...(r.baselineStep === null ? [] : [r.baselineStep])]);
  const xDomain: [number, number] = [Math.min(0, ...steps), Math.max(1, ...steps)];
  return { runs, names, colors: runs.map((_, i) => seriesColor(i)), xDomain, options };
}
