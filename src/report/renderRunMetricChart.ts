import { escapeHtml } from './escapeHtml.js';
import { formatValue } from './formatNumber.js';
import { renderLineChart, type Band, type HorizontalLine, type LineSeries, type RefPoint, type VerticalMarker } from './renderLineChart.js';
import { DEFAULT_JUDGE_OVERLAY, type RunReportContext } from './reportSection.js';
import type { MetricSeries, RunSeries, ThresholdLine } from './RunSeries.js';

const NEUTRAL = '#343a40';

/**
 * One chart card for `key` with every run that has it overlaid: the runs' lines, the policy
 * thresholds (one neutral line when the runs agree, one per run otherwise), firing windows, the
 * runs' checkpoint/abort/rollback markers and baseline dots. `judge` charts read the judge series.
 */
export function renderRunMetricChart(context: RunReportContext, key: string, kind: 'metric' | 'judge'): string {
  const series: LineSeries[] = [];
  const bands: Band[] = [];
  const markers: VerticalMarker[] = [];
  const refPoints: RefPoint[] = [];
  const thresholdsByRun: { run: number; line: ThresholdLine }[] = [];
  const overlaid = new Set<string>();
  context.runs.forEach((run, i) => {
    const color = context.colors[i] ?? NEUTRAL;
    const name = context.names[i] ?? run.runId;
    const metric = kind === 'metric' ? run.metrics.find((m) => m.key === key) : undefined;
    const points = kind === 'metric' ? metric?.points : run.judge.find((j) => j.key === key)?.points;
    if (!points) return;
    series.push({ name, color, points: points.map((p) => ({ x: p.step, y: p.value })) });
    for (const m of run.markers)
      markers.push({ x: m.step, kind: m.kind, color, title: `${name}: ${m.label}`, ...(m.toStep === undefined ? {} : { toX: m.toStep }) });
    if (!metric) return;
    const overlay = (context.options.judgeOverlay ?? DEFAULT_JUDGE_OVERLAY)[key];
    const judged = overlay === undefined ? undefined : run.judge.find((j) => j.key === overlay);
    if (judged) overlaid.add(judged.key);
    if (judged) series.push({ name: `${name} · judge ${judged.key}`, color, dashed: true, points: judged.points.map((p) => ({ x: p.step, y: p.value })) });
    for (const line of metric.thresholds) thresholdsByRun.push({ run: i, line });
    bands.push(...windowBands(run, metric, name).map((b) => (context.runs.length > 1 ? { ...b, stripColor: color } : b)));
    if (metric.baseline !== null && run.baselineStep !== null) {
      refPoints.push({ x: run.baselineStep, y: metric.baseline, color, title: `${name}: baseline ${formatValue(metric.baseline)} (before fine-tuning)` });
    }
  });
  const hLines = thresholdLines(context, thresholdsByRun);
  const limit = kind === 'judge' ? judgeLimit(context, key) : undefined;
  if (limit !== undefined)
    hLines.push({ y: limit, color: '#c92a2a', label: `limit ${formatValue(limit)}`, title: `judge limit for ${key}: ${formatValue(limit)}` });
  const svg = renderLineChart({
    title: kind === 'judge' ? `${key} (judge) over training steps` : `${key} over training steps`,
    xLabel: 'step',
    series,
    hLines,
    bands,
    markers,
    refPoints,
    xDomain: context.xDomain,
    yInclude: kind === 'judge' ? [0] : [],
    xMinStep: 1,
  });
  const overlayNote = overlaid.size ? [`dashed: judge ${[...overlaid].join(', ')} (ground truth)`] : [];
  const notes = [...new Set([...hLines.map((h) => h.title), ...overlayNote, ...nullNotes(context, key)])];
  const caption = `${escapeHtml(key)}${kind === 'judge' ? ' <span class="caption-note">ground truth from the judge</span>' : ''}`;
  const noteHtml = notes.length ? `<div class="caption-note">${notes.map(escapeHtml).join(' · ')}</div>` : '';
  return `<figure class="chart-card" data-key="${escapeHtml(key)}" data-kind="${kind}"><figcaption>${caption}${noteHtml}</figcaption>${svg}</figure>`;
}

function thresholdLines(context: RunReportContext, items: { run: number; line: ThresholdLine }[]): HorizontalLine[] {
  const distinct = new Map<string, { runs: number[]; line: ThresholdLine }>();
  for (const { run, line } of items) {
    const id = `${line.rule}\u0000${line.value}`;
    const entry = distinct.get(id);
    if (entry) entry.runs.push(run);
    else distinct.set(id, { runs: [run], line });
  }
  const runsWithRules = new Set(items.map((x) => x.run)).size;
  return [...distinct.values()].map(({ runs, line }) => {
    const shared = runs.length === runsWithRules;
    const who = shared || context.runs.length < 2 ? '' : ` (${runs.map((r) => context.names[r]).join(', ')})`;
    const color = shared ? NEUTRAL : (context.colors[runs[0] ?? 0] ?? NEUTRAL);
    return { y: line.value, color, label: `${line.op} ${formatValue(line.value)}`, title: `rule ${line.rule}: ${describeThreshold(line)}${who}` };
  });
}

/** `< 0.75 (baseline 0.85 − 0.1)`, `>= 3`: how a reader checks the line against the policy file. */
function describeThreshold(line: ThresholdLine): string {
  const base = `${line.op} ${formatValue(line.value)}`;
  if (line.baseline === null) return `${base}, ${line.severity}`;
  const sign = line.threshold < 0 ? '−' : '+';
  return `${base} (baseline ${formatValue(line.baseline)} ${sign} ${formatValue(Math.abs(line.threshold))}), ${line.severity}`;
}

function windowBands(run: RunSeries, metric: MetricSeries, name: string): Band[] {
  const pad = halfCheckInterval(run.checkSteps);
  return metric.windows.map((w) => ({
    x0: w.fromStep - pad,
    x1: w.toStep + pad,
    className: `window-${['critical', 'warning', 'info'].includes(w.severity) ? w.severity : 'info'}`,
    title: `${name}: rule ${w.rule} fired on ${w.count} check${w.count === 1 ? '' : 's'} (steps ${w.fromStep}–${w.toStep}), ${w.severity}; actions: ${w.actions.join(', ') || 'none'}. ${w.summary}`,
  }));
}

/** Half the median spacing of checks: a firing window covers its checks' share of the x axis. */
function halfCheckInterval(steps: readonly number[]): number {
  const gaps = steps
    .slice(1)
    .map((s, i) => s - (steps[i] ?? s))
    .filter((g) => g > 0)
    .sort((a, b) => a - b);
  return gaps.length ? (gaps[Math.floor(gaps.length / 2)] ?? 0) / 2 : 0;
}

/** `options.judgeLimits[key]`, else the first run whose `start.meta.judgeLimits[key]` is a finite number. */
function judgeLimit(context: RunReportContext, key: string): number | undefined {
  const given = context.options.judgeLimits?.[key];
  if (given !== undefined) return given;
  for (const run of context.runs) {
    const limits = run.meta.judgeLimits;
    if (typeof limits !== 'object' || limits === null) continue;
    const value = (limits as Record<string, unknown>)[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

/** `guarded: null at 8 checks (no contrast probes)`: why a line has gaps, from the guard's `reasons`. */
function nullNotes(context: RunReportContext, key: string): string[] {
  return context.runs.flatMap((run, i) => {
    const metric = run.metrics.find((m) => m.key === key);
    if (!metric || metric.nullReasons.length === 0) return [];
    const who = context.runs.length > 1 ? `${context.names[i] ?? run.runId}: ` : '';
    return metric.nullReasons.map((r) => `${who}null at ${r.count} check${r.count === 1 ? '' : 's'} (${r.reason})`);
  });
}
