import type { ModelOutput } from '../../src/probes/captureOutput.js';
import type { CheckContext, MetricPlugin, MetricResult } from '../../src/guard/pluginTypes.js';
import { preferenceScores, preferenceSummary, type PreferenceOutput } from '../../src/metrics/preferenceScores.js';
import type { EmGuardProbes } from '../../src/probes/probeTypes.js';

const MISSING = {
  missing: '`probes.preference` (not given)',
  fix: 'give `probes.preference: { chosen: { inputs, targets, mask }, rejected: { inputs, targets, mask } }` (paired aligned/misaligned answers)',
};

interface SideData {
  targets: Int32Array;
  mask: Float32Array;
}

/**
 * `alignment.preference` (mean over pairs of chosen − rejected per-token mean log-likelihood,
 * nats/token) and `alignment.preferenceAccuracy` (share of pairs where chosen scores higher), from
 * `probes.preference`. Both read the check runner's raw outputs on `preference.chosen` and
 * `preference.rejected` (one batched forward pass per set, inline or on the capture worker), and
 * share one scoring per check.
 */
export function alignmentPreferencePlugins(): MetricPlugin[] {
  let sides: { chosen: SideData; rejected: SideData; kind: PreferenceOutput } | null = null;
  // Both plugins read the same outputs map of a check: score it once.
  let cache: { outputs: ReadonlyMap<string, ModelOutput>; result: { margin: number; accuracy: number } | string } | null = null;
  const missingInput = (probes: EmGuardProbes) => (probes.preference ? null : MISSING);
  const score = (ctx: CheckContext): { margin: number; accuracy: number } | string => {
    if (cache?.outputs === ctx.outputs) return cache.result;
    let result: { margin: number; accuracy: number } | string;
    const chosen = ctx.outputs.get('preference.chosen');
    const rejected = ctx.outputs.get('preference.rejected');
    if (!sides) result = 'no probes.preference given';
    else if (!chosen || !rejected) result = 'no model output for probes.preference';
    else {
      const c = preferenceScores(chosen, sides.chosen.targets, sides.chosen.mask, sides.kind);
      const r = preferenceScores(rejected, sides.rejected.targets, sides.rejected.mask, sides.kind);
      result = preferenceSummary(c, r);
    }
    cache = { outputs: ctx.outputs, result };
    return result;
  };
  const init: MetricPlugin['init'] = (ctx) => {
    cache = null;
    const p = ctx.probes.preference;
    // Copied once per fit: the tensors stay the user's, each check builds (and frees) its own.
    const copy = (s: { targets: { dataSync(): ArrayLike<number> }; mask: { dataSync(): ArrayLike<number> } }): SideData => ({
      targets: Int32Array.from(s.targets.dataSync()),
      mask: Float32Array.from(s.mask.dataSync()),
    });
    sides = p ? { chosen: copy(p.chosen), rejected: copy(p.rejected), kind: p.output ?? 'logits' } : null;
  };
  const dispose = () => {
    sides = null;
    cache = null;
  };
  const outputs = ['preference.chosen', 'preference.rejected'];
  const plugin = (name: string, description: string, value: (r: { margin: number; accuracy: number }) => number): MetricPlugin => ({
    name,
    description,
    better: 'higher',
    outputs,
    missingInput,
    init,
    compute(ctx): MetricResult {
      const r = score(ctx);
      return typeof r === 'string' ? { value: null, reason: r } : { value: value(r) };
    },
    dispose,
  });
  return [
    plugin('alignment.preference', 'mean over preference pairs of chosen − rejected per-token log-likelihood (nats/token)', (r) => r.margin),
    plugin('alignment.preferenceAccuracy', 'share of preference pairs whose chosen answer scores higher (0..1)', (r) => r.accuracy),
  ];
}
