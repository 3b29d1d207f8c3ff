import type { BuiltinMetricJob } from '../../src/guard/builtinMetricJob.js';
import { alignmentProjectionResult } from '../../src/guard/builtinMetricResult.js';
import { columnMeans } from '../../src/metrics/columnMeans.js';
import { contrastDirection } from '../../src/metrics/contrastDirection.js';
import type { CheckContext, MetricPlugin, MetricResult } from '../../src/guard/pluginTypes.js';

type ProjectionJob = Extract<BuiltinMetricJob, { kind: 'alignment.projection' }>;

/**
 * `alignment.projection`: how far the eval probes' mean activation moved along the misalignment
 * direction u = mean(misaligned) − mean(aligned) (contrast probes, baseline model), in units of the
 * contrast gap: (mean(E_t) − mean(E_0))·u / ‖u‖². 0 = baseline, 1 = moved by the whole gap from
 * aligned to misaligned. Worst (largest) layer is the aggregate. Null without `probes.contrast`.
 */
export function alignmentProjectionPlugin(): MetricPlugin {
  /** This fit's direction, its norm² and the baseline eval mean per layer (`init`): also the capture worker's job. */
  let job: ProjectionJob = { kind: 'alignment.projection', missing: null, layers: new Map() };
  return {
    name: 'alignment.projection',
    description: 'eval activation shift along the misalignment direction, in contrast-gap units (0 = baseline, 1 = misaligned)',
    better: 'lower',
    missingInput: (probes) =>
      probes.contrast
        ? null
        : {
            missing: '`probes.contrast` (not given)',
            fix: 'give `probes.contrast: { aligned, misaligned }` (prompts answered the aligned and the misaligned way)',
          },
    init(ctx) {
      job = { kind: 'alignment.projection', missing: ctx.probes.contrast ? null : 'no probes.contrast given', layers: new Map() };
      const al = ctx.activations.get('contrast.aligned');
      const mis = ctx.activations.get('contrast.misaligned');
      const ev = ctx.activations.get('eval');
      if (!al || !mis || !ev) return;
      for (const layer of ctx.layers) {
        const { direction, norm2 } = contrastDirection(al.get(layer)!, mis.get(layer)!);
        job.layers.set(layer, { direction, norm2, evalMean0: columnMeans(ev.get(layer)!) });
      }
    },
    compute(ctx: CheckContext): MetricResult {
      return alignmentProjectionResult(job, ctx);
    },
    workerJob: () => job,
    dispose() {
      job = { kind: 'alignment.projection', missing: null, layers: new Map() };
    },
  };
}
