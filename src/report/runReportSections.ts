import type { ReportSection, RunReportContext } from './reportSection.js';
import { judgeChartsSection, layerChartsSection, metricChartsSection } from './runChartSections.js';
import { runDecisionsSection } from './runDecisionsSection.js';
import { runGenerationsSection } from './runGenerationsSection.js';
import { legendSection, runHeaderSection } from './runHeaderSection.js';
import { runNoticesSection } from './runNoticesSection.js';

/**
 * The run report's sections, in page order. Pass a modified copy as `options.sections` to add a
 * view; the sweep page builds its own list on the same `renderReportPage` shell.
 */
export const RUN_REPORT_SECTIONS: readonly ReportSection<RunReportContext>[] = [
  runHeaderSection,
  legendSection,
  judgeChartsSection,
  metricChartsSection,
  layerChartsSection,
  runDecisionsSection,
  runGenerationsSection,
  runNoticesSection,
];
