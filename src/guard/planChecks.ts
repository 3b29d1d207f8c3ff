import type { Policy } from '../policy/types.js';
import { baselineProbeSets, probeSetInputs } from '../probes/probeSets.js';
import type { EmGuardProbes } from '../probes/probeTypes.js';
import { CORE_METRICS, coreMetricsFor, evalSummarySuffices, needsTrainProbes, type CoreMetricName } from './computeCoreMetrics.js';
import type { MetricPlugin } from './pluginTypes.js';

/** What every check of a fit computes and therefore captures. */
export interface CheckPlan {
  wantedCore: ReadonlySet<CoreMetricName>;
  /** Probe sets whose layer activations a check captures (`eval`, and `train` when something reads it). */
  sets: readonly string[];
  /** Probe sets whose raw model output a check computes (what the metric plugins read). */
  outputs: readonly string[];
  /**
   * Probe sets whose baseline activations the fit needs: the check sets and the contrast probes
   * (the misalignment direction); `train` only when checks capture it or the baseline is saved
   * (a saved baseline serves any later plan). Skipping it cuts a fit's fixed start-up cost.
   */
  baselineSets: readonly string[];
  /**
   * Checks reduce the eval activations to `ActivationSummary`s where they are captured (on the
   * capture worker): the core metrics read only `drift.eval` of them and no user metric plugin may
   * read the matrices.
   */
  summarizeEval: boolean;
}

/**
 * Plans the checks: the core metrics the policy reads (or all), the train probes only when a
 * train-side metric or a user metric plugin may read them (a third of a check's forward passes),
 * and the outputs the plugins declare.
 */
export function planChecks(
  policy: Policy,
  metrics: 'policy' | 'all',
  probes: EmGuardProbes,
  plugins: readonly MetricPlugin[],
  userPlugins: number,
  saveBaseline = false,
): CheckPlan {
  const wantedCore =
    metrics === 'all'
      ? new Set(Object.keys(CORE_METRICS) as CoreMetricName[])
      : coreMetricsFor([
          ...policy.rules.flatMap((r) => [r.metric, ...r.unless.map((c) => c.metric)]),
          ...(policy.checkpoint.keepBest ? [policy.checkpoint.keepBest.metric] : []),
        ]);
  // User metric plugins may read any probe set, so with them every set is captured.
  const captureTrain = needsTrainProbes(wantedCore) || userPlugins > 0;
  const outputs = [...new Set(plugins.flatMap((p) => p.outputs ?? []))].filter((name) => probeSetInputs(probes, name) !== undefined);
  const baselineSets = [...baselineProbeSets(probes)].map(([name]) => name).filter((name) => name !== 'train' || captureTrain || saveBaseline);
  const summarizeEval = !captureTrain && userPlugins === 0 && evalSummarySuffices(wantedCore);
  return { wantedCore, sets: captureTrain ? ['train', 'eval'] : ['eval'], outputs, baselineSets, summarizeEval };
}
