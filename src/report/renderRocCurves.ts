import { chartFrame, coord, svgOpen } from './chartFrame.js';
import { escapeHtml } from './escapeHtml.js';
import { formatValue } from './formatNumber.js';
import { seriesColor } from './seriesColor.js';
import { svgLegend, svgLegendSize } from './svgLegend.js';

/** One detector's ROC curve: (false positive rate, true positive rate) pairs, e.g. `rocCurve(...).points`. */
export interface RocCurve {
  name: string;
  points: { fpr: number; tpr: number }[];
  /** Area under the curve, shown in the legend when given. */
  auc?: number;
}

/** Titles and size of a ROC chart. */
export interface RocOptions {
  title?: string;
  width?: number;
  height?: number;
}

/**
 * ROC curves of several detectors (e.g. each metric at 25 % of training) on one unit square, with
 * the chance diagonal. Points are drawn in the order given after sorting by (fpr, tpr), so a curve
 * is a staircase from (0, 0) to (1, 1) when the caller includes both ends.
 */
export function renderRocCurves(curves: readonly RocCurve[], options: RocOptions = {}): string {
  curves.forEach((c, i) =>
    c.points.forEach((p, j) => {
      for (const k of ['fpr', 'tpr'] as const) {
        if (typeof p[k] !== 'number' || !(p[k] >= 0 && p[k] <= 1)) {
          throw new Error(`Expected \`curves[${i}].points[${j}].${k}\` to be a number in [0, 1], got \`${String(p[k])}\` (${typeof p[k]})`);
        }
      }
    }),
  );
  const width = options.width ?? 420;
  const height = options.height ?? 380;
  const title = options.title ?? 'ROC curves';
  const frame = chartFrame({ width, height, x: [0, 1], y: [0, 1], xLabel: 'false positive rate', yLabel: 'true positive rate', exact: true });
  const parts = [svgOpen(frame, { width, height, title, className: 'chart roc-chart' }), frame.axes];
  parts.push(
    `<line class="chance" x1="${coord(frame.x(0))}" y1="${coord(frame.y(0))}" x2="${coord(frame.x(1))}" y2="${coord(frame.y(1))}"><title>chance (AUC 0.5)</title></line>`,
  );
  curves.forEach((c, i) => {
    if (c.points.length === 0) return; // e.g. rocCurve on one class only: legend row, no line
    const sorted = [...c.points].sort((a, b) => a.fpr - b.fpr || a.tpr - b.tpr);
    const d = sorted.map((p, j) => `${j === 0 ? 'M' : 'L'}${coord(frame.x(p.fpr))} ${coord(frame.y(p.tpr))}`).join('');
    parts.push(
      `<path class="roc-curve" data-name="${escapeHtml(c.name)}" d="${d}" stroke="${seriesColor(i)}"><title>${escapeHtml(legendText(c))}</title></path>`,
    );
  });
  const legend = curves.map((c, i) => ({ color: seriesColor(i), text: legendText(c) }));
  // Bottom right: below the chance diagonal, where a useful detector's curve does not go.
  const size = svgLegendSize(legend);
  parts.push(svgLegend(legend, frame.plot.left + frame.plot.width - size.width - 8, frame.plot.top + frame.plot.height - size.height - 8));
  parts.push('</svg>');
  return parts.join('');
}

function legendText(c: RocCurve): string {
  if (c.points.length === 0) return `${c.name} (no curve)`;
  return c.auc === undefined ? c.name : `${c.name} (AUC ${formatValue(c.auc)})`;
}
