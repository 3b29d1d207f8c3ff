import type { DecisionRecord, EndRecord, NoticeRecord, RunLogRecord, StartRecord } from '../runlog/runLogRecord.js';
import type { FiringWindow, JudgeSeries, MetricSeries, RunMarker, RunSeries, SeriesPoint, ThresholdLine, UnresolvedThreshold } from './RunSeries.js';

/** Where the records came from, for error messages and the report header. */
export interface BuildRunSeriesOptions {
  /** File name shown in the report and in errors. */
  source: string;
  /** Line number of record `i` in the file (for `file:line` errors); default `i + 1`. */
  lineOf?: (index: number) => number;
  /** Index of `records[0]` in the file, when the records are one segment of a longer log. */
  offset?: number;
}

const ABSOLUTE = new Set(['', 'absolute', 'none']);

/**
 * `metric@layer` for a per-layer rule or decision, `metric` for an aggregate one. The guard's
 * decisions already carry the key in `metric` (`subspace.overlap@dense_1`) next to `layer`: that
 * form is returned unchanged rather than suffixed twice.
 */
export function metricKey(metric: string, layer?: string | null): string {
  return layer && !metric.endsWith(`@${layer}`) ? `${metric}@${layer}` : metric;
}

/**
 * Normalises the records of one run (one `start` and what follows it) for drawing. Pure: the
 * caller reads the file. Records of a type this version does not know are ignored, so newer logs
 * still render; a known record with a malformed field is an error naming `file:line`.
 */
export function buildRunSeries(records: readonly RunLogRecord[], options: BuildRunSeriesOptions): RunSeries {
  const offset = options.offset ?? 0;
  const where = (i: number): string => `${options.source}:${options.lineOf ? options.lineOf(offset + i) : offset + i + 1}`;
  records.forEach((r, i) => validateRecord(r, where(i)));

  const start = records.find((r): r is StartRecord => r.type === 'start') ?? null;
  const baselineRecord = records.find((r) => r.type === 'baseline');
  const baseline = baselineRecord?.type === 'baseline' ? baselineRecord.values : {};
  const endRecord = [...records].reverse().find((r): r is EndRecord => r.type === 'end') ?? null;
  const meta = isObject(start?.meta) ? start.meta : {};
  const runId = start?.runId ?? records[0]?.runId ?? 'unknown';

  const series = new Map<string, SeriesPoint[]>();
  const reasons = new Map<string, Map<string, number>>();
  const checkSteps: number[] = [];
  const judge = new Map<string, SeriesPoint[]>();
  const generations: RunSeries['generations'] = [];
  const markers: RunMarker[] = [];
  const decisions: DecisionRecord[] = [];
  const notices: NoticeRecord[] = [];
  let lastStep = 0;
  for (const r of records) {
    if ('step' in r) lastStep = Math.max(lastStep, r.step);
    switch (r.type) {
      case 'check':
        checkSteps.push(r.step);
        for (const [key, value] of Object.entries(r.values)) listOf(series, key).push({ step: r.step, value: finiteOrNull(value) });
        for (const [key, reason] of Object.entries(isObject(r.reasons) ? r.reasons : {})) {
          if (typeof reason !== 'string' || r.values[key] !== null) continue;
          const counts = reasons.get(key) ?? new Map<string, number>();
          reasons.set(key, counts.set(reason, (counts.get(reason) ?? 0) + 1));
        }
        break;
      case 'judge':
        for (const [key, value] of Object.entries(r.values)) listOf(judge, key).push({ step: r.step, value: finiteOrNull(value) });
        if (Array.isArray(r.samples))
          generations.push({
            step: r.step,
            samples: r.samples.filter((x) => isObject(x) && typeof x.prompt === 'string' && typeof x.response === 'string' && typeof x.label === 'string'),
          });
        break;
      case 'decision':
        decisions.push(r);
        break;
      case 'notice':
        notices.push(r);
        break;
      case 'checkpoint':
        markers.push({ kind: 'checkpoint', step: r.step, label: `checkpoint ${r.id} at step ${r.step} (${r.safe ? 'safe' : 'not marked safe'}): ${r.reason}` });
        break;
      case 'abort':
        markers.push({ kind: 'abort', step: r.step, label: `abort at step ${r.step}: ${r.summary}` });
        break;
      case 'rollback':
        markers.push({
          kind: 'rollback',
          step: r.step,
          label: `rollback at step ${r.step} to ${r.to} (step ${r.toStep}, by ${r.by})`,
          ...(Number.isFinite(r.toStep) ? { toStep: r.toStep } : {}),
        });
        break;
      default:
        break;
    }
  }
  // A rule's metric gets a chart even when no check ever reported it: the reader sees it was never measured.
  for (const rule of start?.policy.rules ?? []) listOf(series, metricKey(rule.metric, rule.layer));

  const checkIndex = new Map(checkSteps.map((s, i) => [s, i]));
  const windows = firingWindows(decisions, checkIndex);
  const unresolved: UnresolvedThreshold[] = [];
  const thresholds = new Map<string, ThresholdLine[]>();
  for (const rule of start?.policy.rules ?? []) {
    const key = metricKey(rule.metric, rule.layer);
    const line = resolveThreshold(rule, baseline[key] ?? null, decisions);
    if ('reason' in line) unresolved.push({ rule: rule.name, metricKey: key, reason: line.reason });
    else listOf(thresholds, key).push(line);
  }

  const keys = [...series.keys()];
  const ordered = [...keys.filter((k) => !k.includes('@')), ...keys.filter((k) => k.includes('@'))];
  const metrics: MetricSeries[] = ordered.map((key) => {
    const at = key.indexOf('@');
    return {
      key,
      metric: at < 0 ? key : key.slice(0, at),
      layer: at < 0 ? null : key.slice(at + 1),
      points: series.get(key) ?? [],
      baseline: finiteOrNull(baseline[key] ?? null),
      thresholds: thresholds.get(key) ?? [],
      windows: windows.filter((w) => w.metricKey === key),
      nullReasons: [...(reasons.get(key) ?? [])].map(([reason, count]) => ({ reason, count })),
    };
  });

  return {
    source: options.source,
    runId,
    label: typeof meta.label === 'string' && meta.label.trim() !== '' ? meta.label : runId,
    policySource: start?.policy.source ?? null,
    backend: start?.backend ?? null,
    layers: start?.layers ?? [],
    probes: start?.probes ?? {},
    meta,
    startTime: start?.time ?? records[0]?.time ?? null,
    endTime: endRecord?.time ?? null,
    end: endRecord ? { step: endRecord.step, epoch: endRecord.epoch, stopped: endRecord.stopped, stopReason: endRecord.stopReason } : null,
    baselineStep: baselineRecord?.type === 'baseline' ? baselineRecord.step : null,
    checkSteps,
    lastStep,
    metrics,
    judge: [...judge].map(([key, points]): JudgeSeries => ({ key, points })),
    generations,
    markers,
    decisions,
    notices,
    unresolved,
  };
}

type Rule = StartRecord['policy']['rules'][number];

function resolveThreshold(rule: Rule, baseline: number | null, decisions: DecisionRecord[]): ThresholdLine | { reason: string } {
  const common = { rule: rule.name, op: rule.op, severity: rule.severity, threshold: rule.threshold, relativeTo: rule.relativeTo ?? '' };
  if (ABSOLUTE.has(rule.relativeTo ?? '')) return { ...common, value: rule.threshold, baseline: null };
  // The guard records the absolute threshold it compared with: trust it over our own resolution.
  const fired = decisions.find((d) => d.rule === rule.name && Number.isFinite(d.threshold));
  if (rule.relativeTo === 'baseline') {
    if (baseline !== null && Number.isFinite(baseline)) return { ...common, value: baseline + rule.threshold, baseline };
    if (fired) return { ...common, value: fired.threshold, baseline: null };
    return { reason: `relative to a baseline value the log does not have (no finite \`${metricKey(rule.metric, rule.layer)}\` in the baseline record)` };
  }
  if (fired) return { ...common, value: fired.threshold, baseline: null };
  return { reason: `\`relativeTo: ${rule.relativeTo}\` is not one this report understands (expected \`baseline\` or \`absolute\`)` };
}

function firingWindows(decisions: DecisionRecord[], checkIndex: Map<number, number>): FiringWindow[] {
  const open = new Map<string, { window: FiringWindow; lastIndex: number | undefined }>();
  const out: FiringWindow[] = [];
  for (const d of decisions) {
    const key = metricKey(d.metric, d.layer);
    const id = `${d.rule}\u0000${key}`;
    const index = checkIndex.get(d.step);
    const current = open.get(id);
    const continues =
      current !== undefined &&
      (d.step === current.window.toStep || (index !== undefined && current.lastIndex !== undefined && index === current.lastIndex + 1));
    if (current && continues) {
      if (d.step !== current.window.toStep) current.window.count += 1;
      current.window.toStep = d.step;
      current.lastIndex = index;
      current.window.lastValue = d.value;
      for (const a of d.actions) if (!current.window.actions.includes(a)) current.window.actions.push(a);
      continue;
    }
    const window: FiringWindow = {
      rule: d.rule,
      metricKey: key,
      severity: d.severity,
      fromStep: d.step,
      toStep: d.step,
      count: 1,
      actions: [...d.actions],
      summary: d.summary,
      op: d.op,
      threshold: d.threshold,
      firstValue: d.value,
      lastValue: d.value,
    };
    out.push(window);
    open.set(id, { window, lastIndex: index });
  }
  return out;
}

function validateRecord(r: unknown, where: string): void {
  if (!isObject(r) || typeof r.type !== 'string') {
    throw new Error(`${where}: expected a run-log record (an object with a string \`type\`), got ${describe(r)}`);
  }
  const need = (field: string, ok: (v: unknown) => boolean, expected: string): void => {
    if (!ok(r[field])) throw new Error(`${where}: ${String(r.type)} record: expected \`${field}\` to be ${expected}, got ${describe(r[field])}`);
  };
  const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  const str = (v: unknown): boolean => typeof v === 'string';
  const values = (v: unknown): boolean => isObject(v) && Object.values(v).every((x) => x === null || typeof x === 'number');
  switch (r.type) {
    case 'start':
      need(
        'policy',
        (p) => isObject(p) && Array.isArray(p.rules) && p.rules.every((x) => isObject(x) && str(x.name) && str(x.metric) && finite(x.threshold)),
        'an object with `rules` of `{name, metric, threshold}`',
      );
      need('layers', (v) => Array.isArray(v), 'an array of layer names');
      break;
    case 'baseline':
    case 'check':
    case 'judge':
      need('step', finite, 'a finite number');
      need('values', values, 'an object of numbers or nulls');
      break;
    case 'decision':
      need('step', finite, 'a finite number');
      need('rule', str, 'a string');
      need('metric', str, 'a string');
      need('actions', (v) => Array.isArray(v), 'an array of action names');
      break;
    case 'notice':
      need('step', finite, 'a finite number');
      need('code', str, 'a string');
      need('message', str, 'a string');
      break;
    case 'checkpoint':
    case 'abort':
    case 'rollback':
    case 'end':
      need('step', finite, 'a finite number');
      break;
    default:
      break;
  }
}

function describe(v: unknown): string {
  const json = JSON.stringify(v);
  const shown = json === undefined ? String(v) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
  return `\`${shown}\` (${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v})`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finiteOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function listOf<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}
