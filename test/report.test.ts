import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/cliIo.js';
import { RunLog, RUN_LOG_FILE } from '../src/runlog/RunLog.js';
import type { StartRecord } from '../src/runlog/runLogRecord.js';
import { loadRunForReport, loadRunsForReport } from '../src/report/loadRunForReport.js';
import { renderRunReport } from '../src/report/renderRunReport.js';
import { renderScatter } from '../src/report/renderScatter.js';
import { renderRocCurves } from '../src/report/renderRocCurves.js';
import { niceTicks } from '../src/report/niceTicks.js';
import { formatTick, formatValue } from '../src/report/formatNumber.js';
import { escapeHtml } from '../src/report/escapeHtml.js';
import { MAX_DOTS, renderLineChart, unbrokenStretches } from '../src/report/renderLineChart.js';
import { metricKey } from '../src/report/buildRunSeries.js';
import { seededRandom, tempDir } from './helpers.js';

// ---------- helpers: tiny run logs and a tiny markup reader ----------

type Rule = StartRecord['policy']['rules'][number];

interface RunSpec {
  runId: string;
  label?: string;
  rules?: Rule[];
  baseline?: Record<string, number | null>;
  /** One entry per check at steps 10, 20, 30, ... */
  checks: Record<string, number | null>[];
  /** `check.reasons`, by check index. */
  reasons?: Record<number, Record<string, string>>;
  decisions?: { check: number; rule: string; metric: string; layer?: string; value: number; threshold: number; severity?: 'info' | 'warning' | 'critical' }[];
  checkpoints?: number[];
  abortAt?: number;
  rollback?: { at: number; toStep: number };
  judge?: { step: number; values: Record<string, number> }[];
  judgeLimit?: number;
}

const stepOf = (check: number): number => (check + 1) * 10;

function writeRun(dir: string, spec: RunSpec): string {
  const log = new RunLog(join(dir, RUN_LOG_FILE), spec.runId);
  log.append({
    type: 'start',
    policy: { source: 'configs/test.yaml', rules: spec.rules ?? [] },
    layers: ['dense_1'],
    backend: 'wasm',
    probes: { train: 8, eval: 8 },
    meta: {
      ...(spec.label === undefined ? {} : { label: spec.label }),
      ...(spec.judgeLimit === undefined ? {} : { judgeLimits: { 'organism.misalignedRate': spec.judgeLimit } }),
    },
  });
  if (spec.baseline) log.append({ type: 'baseline', step: 0, epoch: 0, values: spec.baseline });
  spec.checks.forEach((values, i) => {
    const step = stepOf(i);
    const reasons = spec.reasons?.[i];
    log.append({ type: 'check', step, epoch: 0, values, ...(reasons ? { reasons } : {}) });
    for (const d of spec.decisions ?? []) {
      if (d.check !== i) continue;
      log.append({
        type: 'decision',
        step,
        epoch: 0,
        rule: d.rule,
        metric: d.metric,
        ...(d.layer ? { layer: d.layer } : {}),
        value: d.value,
        threshold: d.threshold,
        op: '<',
        severity: d.severity ?? 'critical',
        actions: ['warn'],
        summary: `${d.rule} fired`,
      });
    }
    if (spec.checkpoints?.includes(step)) log.append({ type: 'checkpoint', step, epoch: 0, id: `ckpt-${step}`, safe: true, reason: 'periodic' });
    for (const j of spec.judge ?? []) if (j.step === step) log.append({ type: 'judge', step, epoch: 0, values: j.values });
  });
  const last = stepOf(spec.checks.length - 1);
  if (spec.abortAt !== undefined) log.append({ type: 'abort', step: spec.abortAt, epoch: 0, rule: 'r', metric: 'm', value: 0, threshold: 1, summary: 'stop' });
  if (spec.rollback)
    log.append({ type: 'rollback', step: spec.rollback.at, epoch: 0, to: `ckpt-${spec.rollback.toStep}`, toStep: spec.rollback.toStep, by: 'fit' });
  log.append({
    type: 'end',
    step: last,
    epoch: 0,
    stopped: spec.abortAt !== undefined,
    stopReason: spec.abortAt === undefined ? null : { rule: 'r', metric: 'm', value: 0, threshold: 1, step: spec.abortAt, epoch: 0 },
  });
  return dir;
}

/** Attribute maps of every `<tag ...>` whose class list contains `className` (if given). */
function elements(html: string, tag: string, className?: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))) {
    const attrs: Record<string, string> = {};
    for (const a of (m[1] ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    if (className === undefined || (attrs.class ?? '').split(/\s+/).includes(className)) out.push(attrs);
  }
  return out;
}

/** The `<figure>` chart card for `key` (of kind metric/judge). */
function chartCard(html: string, key: string, kind = 'metric'): string {
  const start = html.indexOf(`<figure class="chart-card" data-key="${escapeHtml(key)}" data-kind="${kind}">`);
  assert.ok(start >= 0, `no chart card for ${key}`);
  return html.slice(start, html.indexOf('</figure>', start));
}

/** The markup of one series (`<g class="series" data-series=name>`) inside a chart. */
function seriesGroup(card: string, name: string): string {
  const start = card.indexOf(`<g class="series" data-series="${escapeHtml(name)}">`);
  assert.ok(start >= 0, `no series ${name}`);
  return card.slice(start, card.indexOf('</g>', start));
}

/** Inverts the chart's y scale from its data attributes. */
function yScale(svg: Record<string, string>): (v: number) => number {
  const [, top, , height] = svg['data-plot']!.split(' ').map(Number) as [number, number, number, number];
  const [lo, hi] = svg['data-y-domain']!.split(' ').map(Number) as [number, number];
  return (v) => top + (1 - (v - lo) / (hi - lo)) * height;
}

function xScale(svg: Record<string, string>): (v: number) => number {
  const [left, , width] = svg['data-plot']!.split(' ').map(Number) as [number, number, number, number];
  const [lo, hi] = svg['data-x-domain']!.split(' ').map(Number) as [number, number];
  return (v) => left + ((v - lo) / (hi - lo)) * width;
}

const alignmentRule: Rule = { name: 'alignment-drop', metric: 'alignment.score', op: '<', threshold: -0.25, relativeTo: 'baseline', severity: 'critical' };
const driftRule: Rule = { name: 'drift-high', metric: 'drift.eval', op: '>', threshold: 0.5, relativeTo: 'absolute', severity: 'warning' };
const layerRule: Rule = {
  name: 'overlap-layer',
  metric: 'subspace.overlap',
  layer: 'dense_1',
  op: '>',
  threshold: 0.7,
  relativeTo: 'absolute',
  severity: 'info',
};

function standardRun(dir: string, runId = 'run-a', label?: string): string {
  return writeRun(dir, {
    runId,
    ...(label === undefined ? {} : { label }),
    rules: [alignmentRule, driftRule, layerRule],
    baseline: { 'alignment.score': 1, 'drift.eval': 0 },
    checks: [
      { 'alignment.score': 0.95, 'drift.eval': 0.1, 'subspace.overlap@dense_1': null },
      { 'alignment.score': 0.9, 'drift.eval': 0.2, 'subspace.overlap@dense_1': 0.4 },
      { 'alignment.score': 0.75, 'drift.eval': null, 'subspace.overlap@dense_1': 0.6 },
      { 'alignment.score': 0.6, 'drift.eval': 0.45, 'subspace.overlap@dense_1': 0.75 },
      { 'alignment.score': 0.5, 'drift.eval': 0.55, 'subspace.overlap@dense_1': 0.8 },
      { 'alignment.score': 0.8, 'drift.eval': 0.3, 'subspace.overlap@dense_1': 0.5 },
      { 'alignment.score': 0.7, 'drift.eval': 0.35, 'subspace.overlap@dense_1': 0.5 },
    ],
    decisions: [
      { check: 3, rule: 'alignment-drop', metric: 'alignment.score', value: 0.6, threshold: 0.75 },
      { check: 4, rule: 'alignment-drop', metric: 'alignment.score', value: 0.5, threshold: 0.75 },
      { check: 6, rule: 'alignment-drop', metric: 'alignment.score', value: 0.7, threshold: 0.75 },
      { check: 4, rule: 'drift-high', metric: 'drift.eval', value: 0.55, threshold: 0.5, severity: 'warning' },
      // The guard writes the key in `metric` next to `layer`; the bare metric name must work too.
      { check: 3, rule: 'overlap-layer', metric: 'subspace.overlap@dense_1', layer: 'dense_1', value: 0.75, threshold: 0.7, severity: 'info' },
    ],
    checkpoints: [20, 40],
    abortAt: 70,
    rollback: { at: 70, toStep: 40 },
    judge: [
      { step: 20, values: { 'organism.misalignedRate': 0.05 } },
      { step: 70, values: { 'organism.misalignedRate': 0.42 } },
    ],
  });
}

// ---------- axis numbers ----------

test('niceTicks rounds the range outwards to round, evenly spaced ticks', () => {
  assert.deepEqual(niceTicks(0, 0.93, 5), { min: 0, max: 1, step: 0.2, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
  assert.deepEqual(niceTicks(25, 1000, 6).ticks, [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(niceTicks(-0.137, 1.02, 5).ticks, [-0.25, 0, 0.25, 0.5, 0.75, 1, 1.25]);
  // A constant series still gets an axis around its value.
  const flat = niceTicks(3, 3, 5);
  assert.ok(flat.min < 3 && flat.max > 3);
  assert.deepEqual(niceTicks(0, 1, 6, 1).ticks, [0, 1]); // steps are integers: no 0.2 ticks
  // Ranges at float precision (a real demo log: overlap 0.9999999999999999 to 1) are constants, not a hang.
  for (const [lo, hi] of [
    [0.9999999999999999, 1],
    [1e17, 1e17 + 16],
    [-1e-300, 1e-300],
  ] as const) {
    const t = niceTicks(lo, hi, 5);
    assert.ok(t.ticks.length <= 12 && t.min <= lo && t.max >= hi, `${lo}..${hi}: ${t.ticks.length} ticks`);
  }
  assert.throws(() => niceTicks(0, Number.NaN), /finite axis bounds/);
});

test('niceTicks on random ranges: covers the data, steps of 1, 2, 2.5 or 5 × 10^k, exact spacing', () => {
  const rand = seededRandom(11);
  for (let i = 0; i < 500; i++) {
    const scale = 10 ** Math.floor(rand() * 12 - 6);
    const a = (rand() - 0.5) * scale;
    const b = a + rand() * scale;
    const count = 2 + Math.floor(rand() * 8);
    const t = niceTicks(a, b, count);
    assert.ok(t.min <= a && t.max >= b, `[${t.min}, ${t.max}] must cover [${a}, ${b}]`);
    const mantissa = t.step / 10 ** Math.floor(Math.log10(t.step));
    assert.ok(
      [1, 2, 2.5, 5].some((m) => Math.abs(mantissa - m) < 1e-9),
      `step ${t.step}`,
    );
    t.ticks.slice(1).forEach((tick, j) => assert.ok(Math.abs(tick - t.ticks[j]! - t.step) <= t.step * 1e-6));
    assert.ok(t.ticks.length >= 2 && t.ticks.length <= 2 * count + 2, `${t.ticks.length} ticks for count ${count}`);
  }
});

test('tick labels carry the decimals of the step; values use four significant digits', () => {
  assert.equal(formatTick(0.30000000000000004, 0.1), '0.3');
  assert.equal(formatTick(0.75, 0.25), '0.75');
  assert.equal(formatTick(400, 200), '400');
  assert.equal(formatTick(0.00002, 0.00001), '2e-5');
  assert.equal(formatValue(0.123456), '0.1235');
  assert.equal(formatValue(null), '–');
  assert.equal(formatValue(12), '12');
});

// ---------- loading ----------

test('loadRunForReport resolves thresholds, groups firing windows, keeps nulls and collects markers', () => {
  const { dir, cleanup } = tempDir();
  try {
    const run = loadRunForReport(standardRun(dir));
    assert.equal(run.label, 'run-a'); // no meta.label: the run id
    assert.deepEqual(
      run.metrics.map((m) => m.key),
      ['alignment.score', 'drift.eval', 'subspace.overlap@dense_1'],
    );
    const alignment = run.metrics.find((m) => m.key === 'alignment.score')!;
    // relativeTo baseline: 1 + (-0.25)
    assert.deepEqual(
      alignment.thresholds.map((t) => [t.rule, t.value, t.baseline]),
      [['alignment-drop', 0.75, 1]],
    );
    // checks 3 and 4 fired (consecutive), then 6 alone: two windows.
    assert.deepEqual(
      alignment.windows.map((w) => [w.fromStep, w.toStep, w.count]),
      [
        [40, 50, 2],
        [70, 70, 1],
      ],
    );
    const drift = run.metrics.find((m) => m.key === 'drift.eval')!;
    assert.deepEqual(
      drift.thresholds.map((t) => t.value),
      [0.5],
    );
    assert.equal(drift.points[2]!.value, null);
    assert.equal(run.metrics.find((m) => m.key === 'subspace.overlap@dense_1')!.windows.length, 1);
    assert.equal(metricKey('subspace.overlap', 'dense_1'), 'subspace.overlap@dense_1');
    assert.equal(metricKey('subspace.overlap@dense_1', 'dense_1'), 'subspace.overlap@dense_1');
    assert.equal(metricKey('loss', undefined), 'loss');
    assert.deepEqual(
      run.markers.map((m) => [m.kind, m.step]),
      [
        ['checkpoint', 20],
        ['checkpoint', 40],
        ['abort', 70],
        ['rollback', 70],
      ],
    );
    assert.equal(run.markers[3]!.toStep, 40);
    assert.deepEqual(run.judge, [
      {
        key: 'organism.misalignedRate',
        points: [
          { step: 20, value: 0.05 },
          { step: 70, value: 0.42 },
        ],
      },
    ]);
    assert.equal(run.end?.stopReason?.step, 70);
  } finally {
    cleanup();
  }
});

test('a baseline-relative threshold without a baseline value is reported, not drawn at a wrong place', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeRun(dir, { runId: 'r', rules: [alignmentRule], checks: [{ 'alignment.score': 0.9 }] });
    const run = loadRunForReport(dir);
    assert.deepEqual(run.metrics[0]!.thresholds, []);
    assert.equal(run.unresolved.length, 1);
    assert.match(run.unresolved[0]!.reason, /baseline/);
    assert.match(renderRunReport([run]), /threshold not drawn/);
  } finally {
    cleanup();
  }
});

test('a rule on a metric no check reported still gets a chart that says so, with its threshold', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeRun(dir, { runId: 'r', rules: [driftRule], checks: [{ loss: 1 }] });
    const card = chartCard(renderRunReport([loadRunForReport(dir)]), 'drift.eval');
    assert.match(card, /no values recorded/);
    assert.deepEqual(
      elements(card, 'line', 'threshold').map((l) => l['data-value']),
      ['0.5'],
    );
    assert.doesNotMatch(chartCard(renderRunReport([loadRunForReport(dir)]), 'loss'), /no values recorded/);
  } finally {
    cleanup();
  }
});

test('a log with two start records holds two runs', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeRun(dir, { runId: 'first', checks: [{ loss: 1 }] });
    writeRun(dir, { runId: 'second', checks: [{ loss: 2 }, { loss: 1 }] });
    const runs = loadRunsForReport(dir);
    assert.deepEqual(
      runs.map((r) => [r.runId, r.checkSteps.length]),
      [
        ['first', 1],
        ['second', 2],
      ],
    );
    assert.throws(() => loadRunForReport(dir), /expected one run, found 2/);
  } finally {
    cleanup();
  }
});

// ---------- rendering ----------

test('one chart per aggregate metric, per-layer charts inside <details>, judge chart, self-contained', () => {
  const { dir, cleanup } = tempDir();
  try {
    const html = renderRunReport([loadRunForReport(standardRun(dir))]);
    const layerStart = html.indexOf('<section id="layers">');
    const beforeLayers = html.slice(0, layerStart);
    assert.deepEqual(
      elements(beforeLayers, 'figure')
        .filter((f) => f['data-kind'] === 'metric')
        .map((f) => f['data-key']),
      ['alignment.score', 'drift.eval'],
    );
    const layers = html.slice(layerStart, html.indexOf('</section>', layerStart));
    assert.match(layers, /<details class="layer">/);
    assert.deepEqual(
      elements(layers, 'figure').map((f) => f['data-key']),
      ['subspace.overlap@dense_1'],
    );
    assert.deepEqual(
      elements(html, 'figure')
        .filter((f) => f['data-kind'] === 'judge')
        .map((f) => f['data-key']),
      ['organism.misalignedRate'],
    );
    // Self-contained: no script, no external resource; the only URL is the SVG namespace.
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|url\(|src=/i);
    assert.deepEqual([...new Set(html.match(/https?:\/\/[^"\s)]+/g))], ['http://www.w3.org/2000/svg']);
  } finally {
    cleanup();
  }
});

test('the threshold line sits at the resolved value on the y axis', () => {
  const { dir, cleanup } = tempDir();
  try {
    const html = renderRunReport([loadRunForReport(standardRun(dir))]);
    const card = chartCard(html, 'alignment.score');
    const svg = elements(card, 'svg')[0]!;
    const [line] = elements(card, 'line', 'threshold');
    assert.equal(line!['data-value'], '0.75');
    assert.ok(Math.abs(Number(line!.y1) - yScale(svg)(0.75)) < 0.01);
    // Independent of the scale formula: the check whose value equals the threshold (0.75) is on the line.
    const dots = elements(seriesGroup(card, 'run-a'), 'circle', 'point');
    assert.equal(dots.length, 7);
    assert.equal(dots[2]!.cy, line!.y1);
    // And a lower value sits lower (larger SVG y).
    assert.ok(Number(dots[4]!.cy) > Number(line!.y1));
  } finally {
    cleanup();
  }
});

test('markers: one per checkpoint, abort and rollback on every chart; windows shaded by severity', () => {
  const { dir, cleanup } = tempDir();
  try {
    const html = renderRunReport([loadRunForReport(standardRun(dir))]);
    for (const [key, kind] of [
      ['alignment.score', 'metric'],
      ['drift.eval', 'metric'],
      ['organism.misalignedRate', 'judge'],
    ] as const) {
      const card = chartCard(html, key, kind);
      const markers = elements(card, 'g', 'marker');
      assert.deepEqual(
        markers.map((m) => [m.class, m['data-step']]),
        [
          ['marker marker-checkpoint', '20'],
          ['marker marker-checkpoint', '40'],
          ['marker marker-abort', '70'],
          ['marker marker-rollback', '70'],
        ],
      );
    }
    const alignment = chartCard(html, 'alignment.score');
    const svg = elements(alignment, 'svg')[0]!;
    const windows = elements(alignment, 'rect', 'window');
    assert.deepEqual(
      windows.map((w) => w.class),
      ['window window-critical', 'window window-critical'],
    );
    assert.equal(elements(alignment, 'rect', 'window-strip').length, 0, 'one run: no run strips');
    // Window over checks at 40 and 50, padded by half the check interval (5): [35, 55].
    const x = xScale(svg);
    assert.ok(Math.abs(Number(windows[0]!.x) - x(35)) < 0.01);
    assert.ok(Math.abs(Number(windows[0]!.width) - (x(55) - x(35))) < 0.02);
    assert.deepEqual(
      elements(chartCard(html, 'drift.eval'), 'rect', 'window').map((w) => w.class),
      ['window window-warning'],
    );
    // The firings table: one row per window, in step order (ties: aggregate metrics first); the raw decisions table has all five.
    const table = html.slice(html.indexOf('<table class="windows">'), html.indexOf('</table>', html.indexOf('<table class="windows">')));
    assert.deepEqual(
      [...table.matchAll(/<td class="num">(\d+)–(\d+)<\/td><td class="num">(\d+)<\/td>/g)].map((m) => m.slice(1).join(' ')),
      ['40 50 2', '40 40 1', '50 50 1', '70 70 1'],
    );
    assert.match(html, /All 5 decisions/);
  } finally {
    cleanup();
  }
});

test('a judge limit from start.meta.judgeLimits is drawn on the judge chart; an explicit option wins', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeRun(dir, {
      runId: 'j',
      judgeLimit: 0.2,
      checks: [{ m: 1 }, { m: 2 }],
      judge: [
        { step: 10, values: { 'organism.misalignedRate': 0.1 } },
        { step: 20, values: { 'organism.misalignedRate': 0.5 } },
      ],
    });
    const run = loadRunForReport(dir);
    for (const [options, expected] of [
      [{}, '0.2'],
      [{ judgeLimits: { 'organism.misalignedRate': 0.3 } }, '0.3'],
    ] as const) {
      const card = chartCard(renderRunReport([run], options), 'organism.misalignedRate', 'judge');
      const lines = elements(card, 'line', 'threshold');
      assert.deepEqual(
        lines.map((l) => l['data-value']),
        [expected],
      );
      assert.ok(Math.abs(Number(lines[0]!.y1) - yScale(elements(card, 'svg')[0]!)(Number(expected))) < 0.01);
    }
    assert.equal(elements(chartCard(renderRunReport([run]), 'm'), 'line', 'threshold').length, 0);
  } finally {
    cleanup();
  }
});

test('null values break the line into separate stretches and never draw at zero', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeRun(dir, {
      runId: 'gaps',
      checks: [1, null, 2, 3, null, 4, 5, 6].map((v) => ({ m: v })),
      reasons: { 1: { m: 'delta is zero' }, 4: { m: 'delta is zero' }, 5: { m: 'not null: ignored' } },
    });
    const html = renderRunReport([loadRunForReport(dir)]);
    const card = chartCard(html, 'm');
    const svg = elements(card, 'svg')[0]!;
    const paths = elements(card, 'path', 'series-line');
    assert.equal(paths.length, 1);
    // Stretches [2, 3] and [4, 5, 6] are lines; the isolated 1 is only a dot.
    const moves = paths[0]!.d!.match(/M/g) ?? [];
    assert.equal(moves.length, 2);
    const dots = elements(card, 'circle', 'point');
    assert.equal(dots.length, 6);
    const y0 = yScale(svg)(0);
    assert.ok(
      dots.every((d) => Math.abs(Number(d.cy) - y0) > 1),
      'no dot at zero',
    );
    assert.deepEqual(
      unbrokenStretches([{ y: 1 }, { y: null }, { y: 2 }]).map((s) => s.length),
      [1, 1],
    );
    // A long series is a line without dots, except its isolated values (which have no line).
    const long = Array.from({ length: MAX_DOTS + 10 }, (_, i) => ({ x: i, y: i === 5 ? null : i === 7 ? null : i }));
    const chart = renderLineChart({ title: 'long', series: [{ name: 'l', color: '#000', points: long }] });
    assert.deepEqual(
      elements(chart, 'circle', 'point').map((c) => c.cy !== undefined),
      [true],
    );
    assert.match(chart, /<title>l · step 6: 6<\/title>/);
    // Very long series: extents are computed without spreading arguments (which overflows the stack).
    const huge = Array.from({ length: 300_000 }, (_, i) => ({ x: i, y: Math.sin(i / 1000) }));
    const hugeChart = renderLineChart({ title: 'huge', series: [{ name: 'h', color: '#000', points: huge }] });
    assert.equal(elements(hugeChart, 'svg')[0]!['data-x-domain'], '0 300000');
    // The caption says why the gaps are there (reasons given for non-null values are not counted).
    assert.match(card, /null at 2 checks \(delta is zero\)/);
    assert.doesNotMatch(card, /ignored/);
  } finally {
    cleanup();
  }
});

test('every string from the log is escaped', () => {
  const { dir, cleanup } = tempDir();
  try {
    const evil = '<script>alert("x")</script>';
    writeRun(dir, {
      runId: evil,
      label: '<img src=x onerror=alert(1)>',
      rules: [{ name: 'r"><svg onload=alert(2)>', metric: '<b>m</b>', op: '<', threshold: 0.5, relativeTo: 'absolute', severity: 'critical' }],
      checks: [{ '<b>m</b>': 0.4 }, { '<b>m</b>': 0.3 }],
      decisions: [{ check: 1, rule: 'r"><svg onload=alert(2)>', metric: '<b>m</b>', value: 0.3, threshold: 0.5 }],
    });
    const html = renderRunReport([loadRunForReport(dir)]);
    assert.doesNotMatch(html, /<script|<img|<svg onload|<b>m<\/b>|onerror=alert\(1\)>/);
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(html, /r&quot;&gt;&lt;svg onload=alert\(2\)&gt;/);
    assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
  } finally {
    cleanup();
  }
});

test('two runs overlay in the same charts with a legend, labels from start.meta.label', () => {
  const a = tempDir();
  const b = tempDir();
  try {
    standardRun(a.dir, 'run-1', 'unguarded');
    writeRun(b.dir, {
      runId: 'run-2',
      label: 'guarded',
      rules: [alignmentRule],
      baseline: { 'alignment.score': 0.9 },
      checks: [{ 'alignment.score': 0.9 }, { 'alignment.score': 0.85 }],
    });
    const html = renderRunReport([loadRunForReport(a.dir), loadRunForReport(b.dir)]);
    const legend = html.slice(html.indexOf('<div id="legend"'), html.indexOf('</div>', html.indexOf('<div id="legend"')));
    assert.match(legend, /unguarded/);
    assert.match(legend, /guarded/);
    const card = chartCard(html, 'alignment.score');
    assert.deepEqual(
      elements(card, 'g', 'series').map((g) => g['data-series']),
      ['unguarded', 'unguarded · judge organism.misalignedRate', 'guarded'],
    );
    // The judge's ground truth overlays alignment.score dashed, in the run's colour, at its own values.
    const judgeLine = elements(seriesGroup(card, 'unguarded · judge organism.misalignedRate'), 'path', 'series-line')[0]!;
    assert.equal(judgeLine['stroke-dasharray'], '6 4');
    assert.equal(judgeLine.stroke, elements(seriesGroup(card, 'unguarded'), 'path', 'series-line')[0]!.stroke);
    const svg = elements(card, 'svg')[0]!;
    assert.equal(
      judgeLine.d,
      `M${xScale(svg)(20)} ${Math.round(yScale(svg)(0.05) * 100) / 100}L${xScale(svg)(70)} ${Math.round(yScale(svg)(0.42) * 100) / 100}`,
    );
    assert.match(card, /dashed: judge organism\.misalignedRate/);
    assert.equal(elements(chartCard(renderRunReport([loadRunForReport(a.dir)], { judgeOverlay: {} }), 'alignment.score'), 'g', 'series').length, 1);
    assert.notEqual(
      elements(seriesGroup(card, 'unguarded'), 'path', 'series-line')[0]!.stroke,
      elements(seriesGroup(card, 'guarded'), 'path', 'series-line')[0]!.stroke,
    );
    // Different baselines give different thresholds (0.75 and 0.65): one line per run.
    assert.deepEqual(
      elements(card, 'line', 'threshold')
        .map((l) => l['data-value'])
        .sort(),
      ['0.65', '0.75'],
    );
    // Overlaid firing windows carry a strip in their run's colour (only the first run fired here).
    const firstColor = elements(seriesGroup(card, 'unguarded'), 'path', 'series-line')[0]!.stroke;
    assert.deepEqual(
      elements(card, 'rect', 'window-strip').map((r) => r.fill),
      [firstColor, firstColor],
    );
    // A metric only the first run has is still charted, with its one series.
    assert.equal(elements(chartCard(html, 'drift.eval'), 'g', 'series').length, 1);
    // Equal labels are told apart by run id.
    const same = renderRunReport([loadRunForReport(a.dir), { ...loadRunForReport(b.dir), label: 'unguarded' }]);
    assert.match(same, /unguarded \(run-2\)/);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

// ---------- sweep-page helpers ----------

test('renderScatter draws one dot per point and the fitted line y = slope·x + intercept', () => {
  const points = [
    { x: 0.1, y: 0.8, label: 'a', group: 'adam' },
    { x: 0.3, y: 0.6, label: 'b', group: 'adam' },
    { x: 0.5, y: 0.3, label: 'c', group: 'lion' },
  ];
  const svgText = renderScatter(points, { slope: -1.25, intercept: 0.93, label: 'fit' }, { title: 't', xLabel: 'loss', yLabel: 'misaligned' });
  const svg = elements(svgText, 'svg')[0]!;
  const dots = elements(svgText, 'circle', 'scatter-point');
  assert.equal(dots.length, 3);
  assert.notEqual(dots[0]!.fill, dots[2]!.fill);
  const x = xScale(svg);
  const y = yScale(svg);
  assert.ok(Math.abs(Number(dots[1]!.cx) - x(0.3)) < 0.01 && Math.abs(Number(dots[1]!.cy) - y(0.6)) < 0.01);
  // The fit spans the data's x range (0.1 to 0.5) and stays inside the plot.
  const [fit] = elements(svgText, 'line', 'fit-line');
  assert.ok(Math.abs(Number(fit!.x1) - x(0.1)) < 0.01 && Math.abs(Number(fit!.y1) - y(-1.25 * 0.1 + 0.93)) < 0.01);
  assert.ok(Math.abs(Number(fit!.x2) - x(0.5)) < 0.01 && Math.abs(Number(fit!.y2) - y(-1.25 * 0.5 + 0.93)) < 0.01);
  const [, top, , height] = svg['data-plot']!.split(' ').map(Number) as [number, number, number, number];
  for (const v of [fit!.y1, fit!.y2]) assert.ok(Number(v) >= top - 0.01 && Number(v) <= top + height + 0.01);
  assert.match(svgText, /adam/);
  assert.throws(() => renderScatter([{ x: Number.NaN, y: 1 }]), /points\[0\]\.x/);
  assert.throws(() => renderScatter(points, { slope: Infinity, intercept: 0 }), /fit\.slope/);
});

test('renderRocCurves draws each curve on the unit square with the chance diagonal and AUC legend', () => {
  const svgText = renderRocCurves([
    {
      name: 'alignment.score',
      auc: 0.93,
      points: [
        { fpr: 0, tpr: 0 },
        { fpr: 0.1, tpr: 0.8 },
        { fpr: 1, tpr: 1 },
      ],
    },
    {
      name: 'loss',
      auc: 0.61,
      points: [
        { fpr: 1, tpr: 1 },
        { fpr: 0, tpr: 0 },
        { fpr: 0.5, tpr: 0.6 },
      ],
    },
  ]);
  const svg = elements(svgText, 'svg')[0]!;
  assert.equal(svg['data-x-domain'], '0 1');
  assert.equal(svg['data-y-domain'], '0 1');
  const curves = elements(svgText, 'path', 'roc-curve');
  assert.equal(curves.length, 2);
  const x = xScale(svg);
  const y = yScale(svg);
  // Sorted by fpr: starts at (0,0), ends at (1,1), whatever the input order.
  assert.ok(curves[1]!.d!.startsWith(`M${x(0)} ${y(0)}`));
  assert.ok(curves[1]!.d!.endsWith(`L${x(1)} ${y(1)}`));
  assert.equal(elements(svgText, 'line', 'chance').length, 1);
  assert.match(svgText, /alignment\.score \(AUC 0\.93\)/);
  assert.throws(() => renderRocCurves([{ name: 'x', points: [{ fpr: 1.5, tpr: 0 }] }]), /curves\[0\]\.points\[0\]\.fpr/);
});

// ---------- CLI ----------

test('em-guard report writes <first runDir>/report.html atomically and prints the path', async () => {
  const a = tempDir();
  const b = tempDir();
  try {
    standardRun(a.dir, 'run-1', 'unguarded');
    standardRun(b.dir, 'run-2', 'guarded');
    const io = memoryIo(a.dir);
    assert.equal(await main(['report', a.dir, b.dir], io), 0);
    const out = join(a.dir, 'report.html');
    assert.deepEqual(io.out, [out]);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.equal(elements(chartCard(html, 'drift.eval'), 'g', 'series').length, 2);

    const explicit = memoryIo(b.dir);
    assert.equal(await main(['report', '.', '--out', 'custom.html', '--json', '--judge-limit', 'organism.misalignedRate=0.2'], explicit), 0);
    const summary = JSON.parse(explicit.out.join('')) as { out: string; runs: { runId: string; stopped: boolean; markers: unknown[] }[] };
    assert.equal(summary.out, join(b.dir, 'custom.html'));
    assert.deepEqual(
      summary.runs.map((r) => [r.runId, r.stopped, r.markers.length]),
      [['run-2', true, 4]],
    );
    assert.match(readFileSync(join(b.dir, 'custom.html'), 'utf8'), /limit 0\.2/);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test('em-guard report: bad input exits 2 with file:line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let io = memoryIo(dir);
    assert.equal(await main(['report', join(dir, 'nope')], io), 2);
    assert.match(io.err.join(''), /nope\/run\.jsonl: no run log here/);

    standardRun(dir);
    const path = join(dir, RUN_LOG_FILE);
    const lines = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, [...lines.slice(0, 2), '{"type": "check", broken', ...lines.slice(2)].join('\n'));
    io = memoryIo(dir);
    assert.equal(await main(['report', dir], io), 2);
    assert.match(io.err.join(''), /run\.jsonl:3: not a JSON line/);

    // Valid JSON, wrong shape: named by line too (after a blank line, which the reader skips).
    writeFileSync(path, [...lines.slice(0, 2), '', '{"type":"check","time":"t","runId":"run-a","step":"ten","epoch":0,"values":{}}', ''].join('\n'));
    io = memoryIo(dir);
    assert.equal(await main(['report', dir], io), 2);
    assert.match(io.err.join(''), /run\.jsonl:4: check record: expected `step` to be a finite number, got `"ten"` \(string\)/);
    assert.ok(!existsSync(join(dir, 'report.html')), 'nothing written on bad input');

    // A torn last line (crash mid-write) is not an error.
    writeFileSync(path, lines.join('\n'));
    appendFileSync(path, '{"type":"check","ti');
    io = memoryIo(dir);
    assert.equal(await main(['report', dir], io), 0);

    for (const argv of [
      ['report'],
      ['report', dir, '--judge-limit', 'x'],
      ['report', dir, '--bogus'],
      ['report', dir, '--out', join(dir, 'missing', 'r.html')],
    ]) {
      io = memoryIo(dir);
      assert.equal(await main(argv, io), 2, argv.join(' '));
      assert.equal(io.err.length, 1);
    }
    io = memoryIo(dir);
    assert.equal(await main(['report', '--help'], io), 0);
    for (const flag of ['--out', '--json', '--judge-limit', '--help']) assert.ok(io.out.join('').includes(flag), flag);
  } finally {
    cleanup();
  }
});
