import { escapeHtml } from './escapeHtml.js';
import { formatTick } from './formatNumber.js';
import { niceTicks, type NiceTicks } from './niceTicks.js';

/** What a chart's coordinate system needs: size, data ranges and axis labels. */
export interface FrameSpec {
  /** viewBox width and height in SVG units; the chart scales to its container. */
  width: number;
  height: number;
  /** Data range to cover on each axis; widened to nice round ticks. */
  x: [number, number];
  y: [number, number];
  xLabel?: string;
  yLabel?: string;
  /** Approximate tick counts (default 6 and 5). */
  xTicks?: number;
  yTicks?: number;
  /** Keep the given range exactly instead of rounding it outwards (e.g. [0, 1] for ROC). */
  exact?: boolean;
  /** Smallest x tick spacing (1 when x counts training steps). */
  xMinStep?: number;
}

/** Scales from data to SVG coordinates plus the axes and grid markup, shared by every chart type. */
export interface ChartFrame {
  plot: { left: number; top: number; width: number; height: number };
  xDomain: [number, number];
  yDomain: [number, number];
  x(value: number): number;
  y(value: number): number;
  /** Grid lines, tick labels and axis titles. */
  axes: string;
  /** Attributes for the root `<svg>` that let tests and tools recover the scales. */
  dataAttributes: string;
}

const MARGIN = { top: 14, right: 16, bottom: 40, left: 56 };

/** Rounds a coordinate to 0.01 SVG units: exact enough for any screen, short enough to keep files small. */
export function coord(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

/** Builds the coordinate system of one chart. */
export function chartFrame(spec: FrameSpec): ChartFrame {
  const plot = { left: MARGIN.left, top: MARGIN.top, width: spec.width - MARGIN.left - MARGIN.right, height: spec.height - MARGIN.top - MARGIN.bottom };
  const xt = axisTicks(spec.x, spec.xTicks ?? 6, spec.exact, spec.xMinStep);
  const yt = axisTicks(spec.y, spec.yTicks ?? 5, spec.exact);
  const xDomain: [number, number] = [xt.min, xt.max];
  const yDomain: [number, number] = [yt.min, yt.max];
  const x = (v: number): number => plot.left + ((v - xt.min) / (xt.max - xt.min)) * plot.width;
  const y = (v: number): number => plot.top + (1 - (v - yt.min) / (yt.max - yt.min)) * plot.height;
  const bottom = plot.top + plot.height;
  const right = plot.left + plot.width;
  const parts: string[] = [];
  for (const t of yt.ticks) {
    const py = coord(y(t));
    parts.push(`<line class="grid" x1="${plot.left}" x2="${coord(right)}" y1="${py}" y2="${py}"/>`);
    parts.push(`<text class="tick tick-y" x="${plot.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${formatTick(t, yt.step)}</text>`);
  }
  for (const t of xt.ticks) {
    const px = coord(x(t));
    parts.push(`<line class="grid grid-x" x1="${px}" x2="${px}" y1="${plot.top}" y2="${coord(bottom)}"/>`);
    parts.push(`<text class="tick tick-x" x="${px}" y="${coord(bottom + 14)}" text-anchor="middle">${formatTick(t, xt.step)}</text>`);
  }
  parts.push(`<line class="axis" x1="${plot.left}" x2="${coord(right)}" y1="${coord(bottom)}" y2="${coord(bottom)}"/>`);
  parts.push(`<line class="axis" x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${coord(bottom)}"/>`);
  if (spec.xLabel)
    parts.push(
      `<text class="axis-label" x="${coord(plot.left + plot.width / 2)}" y="${coord(spec.height - 6)}" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`,
    );
  if (spec.yLabel) {
    const cy = coord(plot.top + plot.height / 2);
    parts.push(`<text class="axis-label" x="12" y="${cy}" text-anchor="middle" transform="rotate(-90 12 ${cy})">${escapeHtml(spec.yLabel)}</text>`);
  }
  return {
    plot,
    xDomain,
    yDomain,
    x,
    y,
    axes: parts.join(''),
    dataAttributes: `data-plot="${plot.left} ${plot.top} ${plot.width} ${plot.height}" data-x-domain="${xt.min} ${xt.max}" data-y-domain="${yt.min} ${yt.max}"`,
  };
}

/** Opening tag of a chart's `<svg>` with an accessible title. */
export function svgOpen(frame: ChartFrame, spec: { width: number; height: number; title: string; className: string }): string {
  return (
    `<svg class="${spec.className}" viewBox="0 0 ${spec.width} ${spec.height}" role="img" aria-label="${escapeHtml(spec.title)}" ${frame.dataAttributes} xmlns="http://www.w3.org/2000/svg">` +
    `<title>${escapeHtml(spec.title)}</title>`
  );
}

function axisTicks([lo, hi]: [number, number], count: number, exact?: boolean, minStep = 0): NiceTicks {
  const nice = niceTicks(lo, hi, count, minStep);
  if (!exact || hi <= lo) return nice;
  return { min: lo, max: hi, step: nice.step, ticks: nice.ticks.filter((t) => t >= lo - 1e-12 && t <= hi + 1e-12) };
}
