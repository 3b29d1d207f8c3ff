import type { RunSeries } from './RunSeries.js';

/**
 * A block of a report page. Pages are lists of sections so new pages (the sweep page) and new
 * views reuse the shell: a section renders to an HTML string, or `''` to be left out.
 */
export interface ReportSection<Context> {
  /** Stable id, used as the HTML `id` of the section. */
  id: string;
  render(context: Context): string;
}

/** Options of `renderRunReport`. */
export interface RunReportOptions {
  /** Page title (default `em-guard run report`). */
  title?: string;
  /** Sections in order (default `RUN_REPORT_SECTIONS`); add your own or reorder. */
  sections?: readonly ReportSection<RunReportContext>[];
  /**
   * Limits to draw on judge charts, e.g. `{ "organism.misalignedRate": 0.2 }`. Default: a run's
   * `start.meta.judgeLimits`, so a demo can record its limit in the log itself.
   */
  judgeLimits?: Record<string, number>;
  /**
   * Judge values drawn (dashed, same colour) on a metric's chart, by metric key, so the guard's
   * signal and the ground truth share a time axis. Default `DEFAULT_JUDGE_OVERLAY`; `{}` turns it off.
   */
  judgeOverlay?: Record<string, string>;
}

/** The organism's out-of-domain misaligned rate over `alignment.score`: both are fractions in [0, 1]. */
export const DEFAULT_JUDGE_OVERLAY: Readonly<Record<string, string>> = Object.freeze({ 'alignment.score': 'organism.misalignedRate' });

/** What every run-report section sees: the runs plus what the page computed once for all of them. */
export interface RunReportContext {
  runs: readonly RunSeries[];
  /** Legend name of each run (labels made unique). */
  names: readonly string[];
  /** Colour of each run. */
  colors: readonly string[];
  /** Step range shared by every chart, so charts line up vertically. */
  xDomain: [number, number];
  options: RunReportOptions;
}
