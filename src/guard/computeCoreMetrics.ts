import type { ActivationSummary } from '../metrics/activationSummary.js';
import type { Matrix } from '../metrics/matrix.js';
import { deltaWithNorms } from '../metrics/subtractMatrices.js';
import { deltaSubspaceOf } from '../metrics/deltaSubspace.js';
import { subspaceOverlap } from '../metrics/subspaceOverlap.js';
import { energyFraction, randomEnergyFraction } from '../metrics/energyFraction.js';
import { meanDeltaCosine } from '../metrics/meanDeltaCosine.js';
import { linearCka } from '../metrics/linearCka.js';
import { pcaCheckMetrics } from '../metrics/pcaCheckMetrics.js';
import { relativeDriftFromNorms } from '../metrics/relativeDrift.js';
import type { LayerActivations } from './pluginTypes.js';

/** Metric names computed from activations by the core (per layer, then aggregated). */
export const CORE_METRICS = {
  'drift.train': 'lower',
  'drift.eval': 'lower',
  'subspace.energyFraction': 'lower',
  'subspace.randomEnergyFraction': 'lower',
  'subspace.overlap': 'lower',
  'subspace.meanDeltaCosine': 'lower',
  'subspace.spectralGap': 'lower',
  'subspace.explainedL2': 'lower',
  'subspace.reconstructionCosine': 'lower',
  'subspace.mahalanobis': 'higher',
  'subspace.orthogonalNorm': 'lower',
  'cka.train': 'higher',
  'cka.eval': 'higher',
} as const satisfies Record<string, 'higher' | 'lower'>;

export type CoreMetricName = keyof typeof CORE_METRICS;

/**
 * The only core metric that reads no train-probe activations besides `cka.eval`: a check captures
 * the train probes (a forward pass as costly as the eval one) only when a wanted metric needs them.
 */
const EVAL_ONLY: ReadonlySet<CoreMetricName> = new Set<CoreMetricName>(['drift.eval', 'cka.eval']);

/** Whether any of `wanted` reads the train probes' activations (so a check must capture them). */
export function needsTrainProbes(wanted: Iterable<CoreMetricName>): boolean {
  for (const m of wanted) if (!EVAL_ONLY.has(m)) return true;
  return false;
}

/**
 * Core metrics that cost O(n·d) per layer once their probe sets are captured: `drift.eval` always;
 * `drift.train` and the mean-delta cosine whenever the train probes are captured anyway. The others
 * need Grams and an eigen-solve (O(n²·d)) and are computed only when wanted.
 */
export const CHEAP_CORE_METRICS: readonly CoreMetricName[] = ['drift.train', 'drift.eval', 'subspace.meanDeltaCosine'];

/**
 * Which core metrics a policy needs: every core metric a rule or keepBest reads, `drift.eval`, and
 * — when those already need the train probes — the other cheap ones. A policy that reads only
 * eval-side and plugin metrics (the bundled default) thus skips the train-probe forward pass.
 */
export function coreMetricsFor(metricNames: Iterable<string>): Set<CoreMetricName> {
  const wanted = new Set<CoreMetricName>(['drift.eval']);
  for (const raw of metricNames) {
    const name = raw.split('@')[0]!;
    if (name in CORE_METRICS) wanted.add(name as CoreMetricName);
  }
  if (needsTrainProbes(wanted)) for (const m of CHEAP_CORE_METRICS) wanted.add(m);
  return wanted;
}

/** The metrics read from the centred rank-k PCA of the train deltas (`pcaCheckMetrics`), one solve for all four. */
const PCA_METRICS = [
  ['subspace.explainedL2', 'explainedL2'],
  ['subspace.reconstructionCosine', 'reconstructionCosine'],
  ['subspace.mahalanobis', 'mahalanobis'],
  ['subspace.orthogonalNorm', 'orthogonalNorm'],
] as const satisfies readonly (readonly [CoreMetricName, string])[];

export interface CoreMetricsResult {
  /** `metric@layer` → value. */
  perLayer: Record<string, number | null>;
  reasons: Record<string, string>;
}

function need(acts: LayerActivations | undefined, layer: string, set: string): Matrix {
  const m = acts?.get(layer);
  if (!m) throw new Error(`internal: no ${set} activations for layer ${layer}`);
  return m;
}

/**
 * Whether `summarizeActivations` of the eval probes holds all that `wanted` reads of them
 * (`drift.eval` alone: no train probes, no CKA), so a check may reduce them where they are captured.
 */
export function evalSummarySuffices(wanted: ReadonlySet<CoreMetricName>): boolean {
  return !needsTrainProbes(wanted) && !wanted.has('cka.eval');
}

/**
 * The delta-subspace metrics of one check for every watched layer: drift of train and eval probes,
 * the train delta subspace (top-k), how much of the eval delta lies in it (vs a random subspace of
 * the same rank), overlap with the eval delta subspace, mean-delta cosine, and CKA to baseline.
 * `evalSummaries` (layer → `summarizeActivations` of the eval probes, when `evalSummarySuffices`)
 * stand in for the current eval activations: the same numbers, without the matrices.
 */
export function computeCoreMetrics(
  layers: readonly string[],
  baseline: ReadonlyMap<string, LayerActivations>,
  current: ReadonlyMap<string, LayerActivations>,
  rank: number,
  seed: number,
  wanted: ReadonlySet<CoreMetricName> = new Set(Object.keys(CORE_METRICS) as CoreMetricName[]),
  scratch: Map<string, Float64Array> = new Map(),
  evalSummaries?: ReadonlyMap<string, ActivationSummary>,
): CoreMetricsResult {
  // Delta buffers reused across checks: allocating (and collecting) n×d float64 arrays at every
  // check cost more than the O(n·d) metrics computed from them.
  const buffer = (key: string, size: number): Float64Array => {
    let b = scratch.get(key);
    if (!b || b.length !== size) {
      b = new Float64Array(size);
      scratch.set(key, b);
    }
    return b;
  };
  const perLayer: Record<string, number | null> = {};
  const reasons: Record<string, string> = {};
  const put = (metric: CoreMetricName, layer: string, value: number | null, reason?: string) => {
    if (!wanted.has(metric)) return;
    const key = `${metric}@${layer}`;
    perLayer[key] = value;
    if (value === null) reasons[key] = reason ?? 'undefined for this input';
  };
  // Without train-side metrics the caller captured no train probes (see needsTrainProbes).
  const withTrain = needsTrainProbes(wanted);
  const summarized = evalSummaries !== undefined && evalSummarySuffices(wanted);
  for (const layer of layers) {
    if (summarized) {
      const s = evalSummaries.get(layer);
      if (!s) throw new Error(`internal: no eval summary for layer ${layer}`);
      if (s.error !== undefined) throw new Error(s.error);
      put('drift.eval', layer, relativeDriftFromNorms(s), 'baseline eval activations are all zero');
      continue;
    }
    const e0 = need(baseline.get('eval'), layer, 'baseline eval');
    const e1 = need(current.get('eval'), layer, 'current eval');
    const evalD = deltaWithNorms(e1, e0, buffer(`eval@${layer}`, e1.data.length));
    const dE = evalD.delta;
    // relativeDrift = ‖after − before‖_F / ‖before‖_F, from the norms of the same pass.
    put('drift.eval', layer, relativeDriftFromNorms(evalD), 'baseline eval activations are all zero');
    if (wanted.has('cka.eval')) put('cka.eval', layer, linearCka(e0, e1), 'activations are constant across probes');
    if (!withTrain) continue;
    const t0 = need(baseline.get('train'), layer, 'baseline train');
    const t1 = need(current.get('train'), layer, 'current train');
    const train = deltaWithNorms(t1, t0, buffer(`train@${layer}`, t1.data.length));
    const dT = train.delta;
    put('drift.train', layer, relativeDriftFromNorms(train), 'baseline train activations are all zero');
    const needU = ['subspace.energyFraction', 'subspace.randomEnergyFraction', 'subspace.spectralGap', 'subspace.overlap'].some((m) =>
      wanted.has(m as CoreMetricName),
    );
    const U = needU ? deltaSubspaceOf(dT, rank) : null;
    const V = wanted.has('subspace.overlap') ? deltaSubspaceOf(dE, rank) : null;
    if (U?.basis) {
      put('subspace.energyFraction', layer, energyFraction(dE, U.basis), 'eval delta is zero');
      put('subspace.randomEnergyFraction', layer, randomEnergyFraction(dE, U.k, seed), 'eval delta is zero');
      put('subspace.spectralGap', layer, U.spectralGapRatio, 'no singular value beyond rank k');
    } else if (U) {
      const why = `train delta subspace undefined: ${U.reason ?? 'zero delta'}`;
      put('subspace.energyFraction', layer, null, why);
      put('subspace.randomEnergyFraction', layer, null, why);
      put('subspace.spectralGap', layer, null, why);
    }
    if (U?.basis && V?.basis) {
      put('subspace.overlap', layer, subspaceOverlap(U.basis, V.basis));
    } else if (U && V) {
      put(
        'subspace.overlap',
        layer,
        null,
        U.basis ? `eval delta subspace undefined: ${V.reason ?? 'zero delta'}` : `train delta subspace undefined: ${U.reason ?? 'zero delta'}`,
      );
    }
    if (wanted.has('subspace.meanDeltaCosine')) {
      const mdc = meanDeltaCosine(dE, dT);
      put('subspace.meanDeltaCosine', layer, mdc ? mdc.mean : null, 'mean train delta is zero');
    }
    if (PCA_METRICS.some(([m]) => wanted.has(m))) {
      const pca = pcaCheckMetrics(dT, dE, rank);
      for (const [metric, key] of PCA_METRICS) put(metric, layer, pca[key], pca.reasons[key]);
    }
    if (wanted.has('cka.train')) put('cka.train', layer, linearCka(t0, t1), 'activations are constant across probes');
  }
  return { perLayer, reasons };
}

/** The core part of a check's snapshot: `metric@layer` values, then each metric aggregated over layers. */
export interface CoreSnapshotValues {
  values: Record<string, number | null>;
  reasons: Record<string, string>;
}

/**
 * The core metrics of one check as they enter its snapshot (`computeSnapshot`): per layer
 * (`computeCoreMetrics`), then each wanted metric aggregated to its worst layer, in that key order.
 * Run on the training thread, or on the capture worker from the eval summaries it made (the same
 * function on the same numbers: the same values bit for bit).
 */
export function coreSnapshotValues(
  layers: readonly string[],
  baseline: ReadonlyMap<string, LayerActivations>,
  current: ReadonlyMap<string, LayerActivations>,
  rank: number,
  seed: number,
  wanted: ReadonlySet<CoreMetricName>,
  scratch: Map<string, Float64Array>,
  evalSummaries?: ReadonlyMap<string, ActivationSummary>,
): CoreSnapshotValues {
  const core = computeCoreMetrics(layers, baseline, current, rank, seed, wanted, scratch, evalSummaries);
  const values: Record<string, number | null> = { ...core.perLayer };
  const reasons: Record<string, string> = { ...core.reasons };
  for (const [name, better] of Object.entries(CORE_METRICS)) {
    if (!wanted.has(name as CoreMetricName)) continue;
    values[name] = aggregateLayers(
      layers.map((l) => core.perLayer[`${name}@${l}`] ?? null),
      better,
    );
    if (values[name] === null) reasons[name] = reasons[`${name}@${layers[0]}`] ?? 'null on every layer';
  }
  return { values, reasons };
}

/**
 * Worst value across layers, by the metric's safe direction; null only when every layer is null.
 */
export function aggregateLayers(values: (number | null)[], better: 'higher' | 'lower'): number | null {
  let out: number | null = null;
  for (const v of values) {
    if (v === null) continue;
    if (Number.isNaN(v)) return v;
    if (out === null || (better === 'lower' ? v > out : v < out)) out = v;
  }
  return out;
}
