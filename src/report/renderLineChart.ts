import { chartFrame, coord, svgOpen, type ChartFrame } from './chartFrame.js';
import { escapeHtml } from './escapeHtml.js';
import { extent } from './extent.js';
import { formatValue } from './formatNumber.js';

/** One line; a `null` y breaks it (a gap), it is never drawn as zero. */
export interface LineSeries {
  name: string;
  color: string;
  points: { x: number; y: number | null }[];
  dashed?: boolean;
}

/** A horizontal reference line (a policy threshold). */
export interface HorizontalLine {
  y: number;
  color: string;
  /** Short text drawn at the right end, e.g. `< 0.35`. */
  label: string;
  /** Tooltip. */
  title: string;
}

/** A shaded x range (a rule's firing window). */
export interface Band {
  x0: number;
  x1: number;
  className: string;
  title: string;
  /** Draws a thin strip of this colour along the bottom: which run fired, when several overlay. */
  stripColor?: string;
}

/** A vertical event line with a glyph on top (checkpoint, abort, rollback). */
export interface VerticalMarker {
  x: number;
  kind: 'checkpoint' | 'abort' | 'rollback';
  color: string;
  title: string;
  /** Rollback only: the x it went back to, drawn as an arrow along the top of the plot. */
  toX?: number;
}

/** A single reference dot (e.g. the baseline value), drawn hollow. */
export interface RefPoint {
  x: number;
  y: number;
  color: string;
  title: string;
}

/** Everything one line chart shows. */
export interface LineChartSpec {
  title: string;
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  series: LineSeries[];
  hLines?: HorizontalLine[];
  bands?: Band[];
  markers?: VerticalMarker[];
  refPoints?: RefPoint[];
  /** Shared x range (so charts of one report line up); default: the data's range. */
  xDomain?: [number, number];
  /** Extra y values the axis must include (e.g. 0 for rates). */
  yInclude?: number[];
  /** Smallest x tick spacing (1 for training steps). */
  xMinStep?: number;
}

/** Above this many points a series is drawn as a line without per-point dots. */
export const MAX_DOTS = 150;

/**
 * An SVG line chart as a string: nice axes, one path per unbroken stretch of each series, a dot
 * with a tooltip per value, dashed threshold lines, shaded bands and event markers. Pure, so tests
 * read its output; every text from the caller is escaped.
 */
export function renderLineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 560;
  const height = spec.height ?? 220;
  const values = [
    ...spec.series.flatMap((s) => s.points.map((p) => p.y)),
    ...(spec.hLines ?? []).map((h) => h.y),
    ...(spec.refPoints ?? []).map((p) => p.y),
    ...(spec.yInclude ?? []),
  ].filter((v): v is number => v !== null && Number.isFinite(v));
  const xs = [
    ...spec.series.flatMap((s) => s.points.map((p) => p.x)),
    ...(spec.markers ?? []).map((m) => m.x),
    ...(spec.bands ?? []).flatMap((b) => [b.x0, b.x1]),
  ].filter((v) => Number.isFinite(v));
  const xDomain = spec.xDomain ?? extent(xs);
  const yDomain = extent(values);
  const frame = chartFrame({ width, height, x: xDomain, y: yDomain, xLabel: spec.xLabel, yLabel: spec.yLabel, xMinStep: spec.xMinStep ?? 0 });
  const body: string[] = [svgOpen(frame, { width, height, title: spec.title, className: 'chart line-chart' })];
  body.push(...(spec.bands ?? []).map((b) => band(frame, b)));
  body.push(frame.axes);
  body.push(...(spec.hLines ?? []).map((h) => hLine(frame, h)));
  body.push(...(spec.markers ?? []).map((m) => marker(frame, m)));
  for (const s of spec.series) body.push(seriesMarkup(frame, s));
  body.push(
    ...(spec.refPoints ?? []).map(
      (p) =>
        `<circle class="ref-point" cx="${coord(frame.x(p.x))}" cy="${coord(frame.y(p.y))}" r="3.5" stroke="${p.color}"><title>${escapeHtml(p.title)}</title></circle>`,
    ),
  );
  if (!spec.series.some((s) => s.points.some((p) => p.y !== null && Number.isFinite(p.y)))) {
    body.push(
      `<text class="empty" x="${coord(frame.plot.left + frame.plot.width / 2)}" y="${coord(frame.plot.top + frame.plot.height / 2)}" text-anchor="middle">no values recorded</text>`,
    );
  }
  body.push('</svg>');
  return body.join('');
}

/** Splits a series at nulls into unbroken stretches. */
export function unbrokenStretches<P extends { y: number | null }>(points: readonly P[]): (P & { y: number })[][] {
  const out: (P & { y: number })[][] = [];
  let current: (P & { y: number })[] = [];
  for (const p of points) {
    if (p.y === null || !Number.isFinite(p.y)) {
      if (current.length) out.push(current);
      current = [];
    } else current.push(p as P & { y: number });
  }
  if (current.length) out.push(current);
  return out;
}

function seriesMarkup(frame: ChartFrame, s: LineSeries): string {
  const name = escapeHtml(s.name);
  const stretches = unbrokenStretches(s.points);
  const d = stretches
    .filter((st) => st.length > 1)
    .map((st) => st.map((p, i) => `${i === 0 ? 'M' : 'L'}${coord(frame.x(p.x))} ${coord(frame.y(p.y))}`).join(''))
    .join('');
  const path = d ? `<path class="series-line${s.dashed ? ' dashed' : ''}" d="${d}" stroke="${s.color}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>` : '';
  // A dashed series is secondary (e.g. the judge overlaid): hollow dots keep it apart from the main line.
  const paint = s.dashed ? `fill="#fff" stroke="${s.color}"` : `fill="${s.color}" stroke="#fff"`;
  // Few points: a dot with a tooltip each; many (> MAX_DOTS): small dots would only blur the line
  // and bloat the file, so just the isolated values (between two gaps) keep theirs, as they have no line.
  const total = s.points.length;
  const r = total > 60 ? 1.6 : 2.6;
  const dots = (total > MAX_DOTS ? stretches.filter((st) => st.length === 1) : stretches)
    .flat()
    .map(
      (p) =>
        `<circle class="point${s.dashed ? ' hollow' : ''}" cx="${coord(frame.x(p.x))}" cy="${coord(frame.y(p.y))}" r="${r}" ${paint}><title>${name} · step ${formatValue(p.x)}: ${formatValue(p.y)}</title></circle>`,
    )
    .join('');
  return `<g class="series" data-series="${name}">${path}${dots}</g>`;
}

function hLine(frame: ChartFrame, h: HorizontalLine): string {
  const y = coord(frame.y(h.y));
  const right = frame.plot.left + frame.plot.width;
  return (
    `<g class="threshold-group"><line class="threshold" data-value="${h.y}" x1="${frame.plot.left}" x2="${coord(right)}" y1="${y}" y2="${y}" stroke="${h.color}"><title>${escapeHtml(h.title)}</title></line>` +
    `<text class="threshold-label" x="${coord(right - 4)}" y="${coord(frame.y(h.y) - 4)}" text-anchor="end" fill="${h.color}">${escapeHtml(h.label)}</text></g>`
  );
}

function band(frame: ChartFrame, b: Band): string {
  const lo = Math.max(frame.xDomain[0], Math.min(b.x0, b.x1));
  const hi = Math.min(frame.xDomain[1], Math.max(b.x0, b.x1));
  const x = frame.x(lo);
  const w = Math.max(3, frame.x(hi) - x);
  const strip = b.stripColor
    ? `<rect class="window-strip" x="${coord(x)}" y="${coord(frame.plot.top + frame.plot.height - 4)}" width="${coord(w)}" height="4" fill="${b.stripColor}"><title>${escapeHtml(b.title)}</title></rect>`
    : '';
  return `<rect class="window ${escapeHtml(b.className)}" x="${coord(x)}" y="${frame.plot.top}" width="${coord(w)}" height="${frame.plot.height}"><title>${escapeHtml(b.title)}</title></rect>${strip}`;
}

function marker(frame: ChartFrame, m: VerticalMarker): string {
  const x = frame.x(m.x);
  const top = frame.plot.top;
  const glyph =
    m.kind === 'abort'
      ? `<path class="glyph" d="M${coord(x - 4)} ${coord(top - 4)}L${coord(x + 4)} ${coord(top + 4)}M${coord(x + 4)} ${coord(top - 4)}L${coord(x - 4)} ${coord(top + 4)}" stroke="${m.color}"/>`
      : m.kind === 'rollback'
        ? rollbackGlyph(x, m.toX === undefined ? undefined : frame.x(m.toX), top + 12, m.color)
        : `<path class="glyph" d="M${coord(x)} ${coord(top - 4)}L${coord(x + 4)} ${top}L${coord(x)} ${coord(top + 4)}L${coord(x - 4)} ${top}Z" fill="${m.color}"/>`;
  return `<g class="marker marker-${m.kind}" data-step="${m.x}"><title>${escapeHtml(m.title)}</title><line x1="${coord(x)}" x2="${coord(x)}" y1="${top}" y2="${coord(top + frame.plot.height)}" stroke="${m.color}"/>${glyph}</g>`;
}

/** A left-pointing triangle at `x`, or an arrow from `x` back to `toX` when the target is known. */
function rollbackGlyph(x: number, toX: number | undefined, y: number, color: string): string {
  if (toX === undefined || Math.abs(x - toX) < 8) {
    return `<path class="glyph" d="M${coord(x + 4)} ${coord(y - 4)}L${coord(x - 4)} ${coord(y)}L${coord(x + 4)} ${coord(y + 4)}Z" fill="${color}"/>`;
  }
  const dir = toX < x ? 1 : -1;
  return (
    `<path class="glyph rollback-arrow" d="M${coord(x)} ${coord(y)}L${coord(toX + dir * 6)} ${coord(y)}" stroke="${color}" fill="none"/>` +
    `<path class="glyph" d="M${coord(toX)} ${coord(y)}L${coord(toX + dir * 7)} ${coord(y - 4)}L${coord(toX + dir * 7)} ${coord(y + 4)}Z" fill="${color}"/>`
  );
}
