import type { BuiltinMetricJob } from '../../src/guard/builtinMetricJob.js';
import { preferencePairs, preferenceResult } from '../../src/guard/builtinMetricResult.js';
import type { ModelOutput } from '../../src/probes/captureOutput.js';
import type { CheckContext, MetricPlugin, MetricResult } from '../../src/guard/pluginTypes.js';
import type { EmGuardProbes } from '../../src/probes/probeTypes.js';

const MISSING = {
  missing: '`probes.preference` (not given)',
  fix: 'give `probes.preference: { chosen: { inputs, targets, mask }, rejected: { inputs, targets, mask } }` (paired aligned/misaligned answers)',
};

/**
 * `alignment.preference` (mean over pairs of chosen − rejected per-token mean log-likelihood,
 * nats/token) and `alignment.preferenceAccuracy` (share of pairs where chosen scores higher), from
 * `probes.preference`. The check runner delivers `preference.chosen` and `preference.rejected` as
 * per-pair answer scores (`answerScores`: one batched forward pass per set and the log-softmax in
 * tfjs, on the capture worker when the guard captures there, else inline); the two plugins share
 * one summary per check.
 */
export function alignmentPreferencePlugins(): MetricPlugin[] {
  // Both plugins read the same outputs map of a check: summarise it once.
  let cache: { outputs: ReadonlyMap<string, ModelOutput>; result: { margin: number; accuracy: number } | string } | null = null;
  /** `probes.preference` was given in this fit (`init`). */
  let given = false;
  const missingInput = (probes: EmGuardProbes) => (probes.preference ? null : MISSING);
  const score = (ctx: CheckContext): { margin: number; accuracy: number } | string => {
    if (cache?.outputs === ctx.outputs) return cache.result;
    const result = preferencePairs(ctx.probes.preference !== undefined, ctx.outputs);
    cache = { outputs: ctx.outputs, result };
    return result;
  };
  const init: MetricPlugin['init'] = (ctx) => {
    cache = null;
    given = ctx.probes.preference !== undefined;
  };
  const dispose = () => {
    cache = null;
    given = false;
  };
  const outputs = ['preference.chosen', 'preference.rejected'];
  const plugin = (name: string, description: string, pick: 'margin' | 'accuracy'): MetricPlugin => ({
    name,
    description,
    better: 'higher',
    outputs,
    missingInput,
    init,
    compute(ctx): MetricResult {
      return preferenceResult(score(ctx), pick);
    },
    workerJob: (): BuiltinMetricJob => ({ kind: 'preference', given, pick }),
    dispose,
  });
  return [
    plugin('alignment.preference', 'mean over preference pairs of chosen − rejected per-token log-likelihood (nats/token)', 'margin'),
    plugin('alignment.preferenceAccuracy', 'share of preference pairs whose chosen answer scores higher (0..1)', 'accuracy'),
  ];
}
