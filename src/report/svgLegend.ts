import { coord } from './chartFrame.js';
import { escapeHtml } from './escapeHtml.js';

/** One legend row: a colour swatch (line or dot) and a text. */
export interface LegendEntry {
  color: string;
  text: string;
  shape?: 'line' | 'dot' | 'dashed';
}

/** A boxed legend inside a chart, anchored at its top-left corner `(x, y)`; rows 15 units apart. */
export function svgLegend(entries: readonly LegendEntry[], x: number, y: number): string {
  if (entries.length === 0) return '';
  const { width, height } = svgLegendSize(entries);
  const rows = entries.map((e, i) => {
    const cy = y + 11 + i * 15;
    const swatch =
      e.shape === 'dot'
        ? `<circle cx="${coord(x + 14)}" cy="${coord(cy)}" r="3.5" fill="${e.color}"/>`
        : `<line x1="${coord(x + 6)}" x2="${coord(x + 22)}" y1="${coord(cy)}" y2="${coord(cy)}" stroke="${e.color}" stroke-width="2.2"${e.shape === 'dashed' ? ' stroke-dasharray="4 3"' : ''}/>`;
    return `${swatch}<text class="legend-text" x="${coord(x + 28)}" y="${coord(cy)}" dominant-baseline="middle">${escapeHtml(e.text)}</text>`;
  });
  return `<g class="legend"><rect class="legend-box" x="${coord(x)}" y="${coord(y)}" width="${coord(width)}" height="${coord(height)}" rx="3"/>${rows.join('')}</g>`;
}

/** Size of `svgLegend(entries)`'s box (text width estimated at 6.2 units a character at 11px). */
export function svgLegendSize(entries: readonly LegendEntry[]): { width: number; height: number } {
  if (entries.length === 0) return { width: 0, height: 0 };
  return { width: 38 + 6.2 * Math.max(...entries.map((e) => e.text.length)), height: entries.length * 15 + 7 };
}
