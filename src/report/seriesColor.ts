/**
 * Colours for runs and groups, in order: chosen to stay distinguishable for common colour-vision
 * deficiencies (Okabe–Ito inspired) and to avoid the red/amber used for firing windows.
 */
export const SERIES_COLORS = ['#0b6bcb', '#d9480f', '#2b8a3e', '#7048e8', '#0c8599', '#c2255c', '#5c940d', '#495057'] as const;

/** The colour of series `i` (cycles after eight). */
export function seriesColor(i: number): string {
  return SERIES_COLORS[((i % SERIES_COLORS.length) + SERIES_COLORS.length) % SERIES_COLORS.length] ?? '#495057';
}
