import { chartFrame, coord, svgOpen, type ChartFrame } from './chartFrame.js';
import { escapeHtml } from './escapeHtml.js';
import { extent } from './extent.js';
import { formatValue } from './formatNumber.js';
import { seriesColor } from './seriesColor.js';
import { svgLegend, svgLegendSize, type LegendEntry } from './svgLegend.js';

/** One run on the sweep page, e.g. final in-domain loss (x) vs misaligned rate (y). */
export interface ScatterPoint {
  x: number;
  y: number;
  /** Tooltip text, e.g. the run id. */
  label?: string;
  /** Colour group, e.g. the optimizer; one legend row per group. */
  group?: string;
}

/** A fitted line `y = slope·x + intercept`, drawn across the x range. */
export interface ScatterFit {
  slope: number;
  intercept: number;
  /** Legend text, e.g. `OLS fit, r = 0.32`. */
  label?: string;
}

/** Titles and size of a scatter chart. */
export interface ScatterOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/**
 * The sweep page's loss-vs-alignment scatter as SVG: one dot per run (coloured by group) and an
 * optional fitted line. Throws on a non-finite coordinate instead of drawing a misleading chart.
 */
export function renderScatter(points: readonly ScatterPoint[], fit?: ScatterFit, options: ScatterOptions = {}): string {
  points.forEach((p, i) => {
    for (const axis of ['x', 'y'] as const) {
      if (typeof p[axis] !== 'number' || !Number.isFinite(p[axis])) {
        throw new Error(`Expected \`points[${i}].${axis}\` to be a finite number, got \`${String(p[axis])}\` (${typeof p[axis]})`);
      }
    }
  });
  if (fit && (!Number.isFinite(fit.slope) || !Number.isFinite(fit.intercept))) {
    throw new Error(`Expected \`fit.slope\` and \`fit.intercept\` to be finite numbers, got \`${fit.slope}\` and \`${fit.intercept}\``);
  }
  const width = options.width ?? 480;
  const height = options.height ?? 340;
  const title = options.title ?? 'scatter';
  const xs = points.map((p) => p.x);
  const xRange = extent(xs);
  const fitYs = fit ? xRange.map((x) => fit.slope * x + fit.intercept) : [];
  const ys = [...points.map((p) => p.y), ...fitYs];
  const frame = chartFrame({ width, height, x: xRange, y: extent(ys), xLabel: options.xLabel, yLabel: options.yLabel });
  const groups = [...new Set(points.map((p) => p.group ?? ''))];
  const colorOf = (g: string): string => seriesColor(groups.indexOf(g));
  const parts = [svgOpen(frame, { width, height, title, className: 'chart scatter-chart' }), frame.axes];
  if (fit) {
    // Across the data's x range only: the y axis was sized for those ends, and a fit says nothing beyond them.
    const [x0, x1] = xRange;
    const y0 = fit.slope * x0 + fit.intercept;
    const y1 = fit.slope * x1 + fit.intercept;
    parts.push(
      `<line class="fit-line" data-slope="${fit.slope}" data-intercept="${fit.intercept}" x1="${coord(frame.x(x0))}" y1="${coord(frame.y(y0))}" x2="${coord(frame.x(x1))}" y2="${coord(frame.y(y1))}"><title>${escapeHtml(fit.label ?? `y = ${formatValue(fit.slope)}·x + ${formatValue(fit.intercept)}`)}</title></line>`,
    );
  }
  for (const p of points) {
    const tip = `${p.label ?? ''}${p.label ? ': ' : ''}(${formatValue(p.x)}, ${formatValue(p.y)})${p.group ? ` · ${p.group}` : ''}`;
    parts.push(
      `<circle class="scatter-point" cx="${coord(frame.x(p.x))}" cy="${coord(frame.y(p.y))}" r="4" fill="${colorOf(p.group ?? '')}"><title>${escapeHtml(tip)}</title></circle>`,
    );
  }
  const legend = [
    ...(groups.length > 1 || (groups[0] ?? '') !== '' ? groups.map((g) => ({ color: colorOf(g), text: g || '(no group)', shape: 'dot' as const })) : []),
    ...(fit ? [{ color: '#343a40', text: fit.label ?? 'fit', shape: 'dashed' as const }] : []),
  ];
  parts.push(svgLegend(legend, ...legendCorner(frame, points, legend)));
  parts.push('</svg>');
  return parts.join('');
}

/** The plot corner whose legend box would cover the fewest points. */
function legendCorner(frame: ChartFrame, points: readonly ScatterPoint[], legend: readonly LegendEntry[]): [number, number] {
  const { width, height } = svgLegendSize(legend);
  const { left, top } = frame.plot;
  const right = left + frame.plot.width - width - 8;
  const bottom = top + frame.plot.height - height - 8;
  const corners: [number, number][] = [
    [left + 8, top + 6],
    [right, top + 6],
    [right, bottom],
    [left + 8, bottom],
  ];
  const covered = ([x, y]: [number, number]): number =>
    points.filter((p) => {
      const px = frame.x(p.x);
      const py = frame.y(p.y);
      return px >= x - 5 && px <= x + width + 5 && py >= y - 5 && py <= y + height + 5;
    }).length;
  return corners.reduce((best, c) => (covered(c) < covered(best) ? c : best));
}
