import type { ScreenResult } from './screenDataset.js';

function cell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The ranked list as CSV (RFC 4180): rank, index, the score at every screened layer, target, own answer, text. */
export function screenCsv(result: ScreenResult): string {
  const layers = result.layers.map((l) => l.layer);
  const head = [
    'rank',
    'index',
    `score_${result.primaryLayer}`,
    ...layers.filter((l) => l !== result.primaryLayer).map((l) => `score_${l}`),
    'above_threshold',
    'target',
    'own',
    'text',
  ];
  const byLayer = new Map(result.layers.map((l) => [l.layer, l.scores]));
  const rows = result.ranked.map((e, r) =>
    [
      r + 1,
      e.index,
      e.score,
      ...layers.filter((l) => l !== result.primaryLayer).map((l) => byLayer.get(l)![e.index]),
      e.aboveThreshold ? 1 : 0,
      e.target,
      e.own,
      e.text ?? '',
    ]
      .map(cell)
      .join(','),
  );
  return [head.map(cell).join(','), ...rows].join('\r\n') + '\r\n';
}
