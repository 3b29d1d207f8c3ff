import type { ActivationSummaries } from '../metrics/activationSummary.js';
import { columnMeans } from '../metrics/columnMeans.js';
import { preferenceSummary } from '../metrics/preferenceScores.js';
import { rowArgMax } from '../metrics/rowArgMax.js';
import type { ModelOutput } from '../probes/captureOutput.js';
import type { BuiltinMetricJob } from './builtinMetricJob.js';
import type { LayerActivations, MetricResult } from './pluginTypes.js';

/**
 * What a check gives the built-in metrics to read: the captured activations (sets not summarized),
 * the summaries made where they were captured, and the model outputs. A `CheckContext` is one; the
 * capture worker builds one from its reply (`captureWorker`), so both threads read the same things.
 */
export interface BuiltinMetricInputs {
  layers: readonly string[];
  activations: ReadonlyMap<string, LayerActivations>;
  summaries?: ActivationSummaries;
  outputs: ReadonlyMap<string, ModelOutput>;
}

/** Share of `predicted` equal to `expected`, element by element (`alignment.score`'s value). */
export function agreement(predicted: Int32Array, expected: Int32Array): MetricResult {
  let agree = 0;
  for (let i = 0; i < expected.length; i++) if (predicted[i] === expected[i]) agree++;
  return expected.length === 0 ? { value: null, reason: 'no alignment probes' } : { value: agree / expected.length };
}

/**
 * `alignment.score` without a `scorer`: the share of the alignment probes whose output's argmax is
 * the expected class. Undefined when the output has one axis (its argmax then needs tfjs: the
 * plugin computes it). `predicted`: a buffer to reuse for the classes, when it fits.
 */
export function alignmentScoreResult(
  job: Extract<BuiltinMetricJob, { kind: 'alignment.score' }>,
  outputs: ReadonlyMap<string, ModelOutput>,
  predicted?: Int32Array,
): MetricResult | undefined {
  if (!job.given) return { value: null, reason: 'no probes.alignment given' };
  const raw = outputs.get('alignment');
  if (!raw) return { value: null, reason: 'no model output for probes.alignment' };
  if (job.expected === null || raw.shape.length < 2) return undefined;
  // The argmax over the last axis, row after row, as tfjs' `argMax(-1)` flattens it (a sequence
  // model's `[n, T, vocabulary]` gives n·T classes, of which the first n are compared, as before).
  const cols = raw.shape[raw.shape.length - 1]!;
  const rows = raw.data.length / cols;
  return agreement(rowArgMax(raw.data, cols, predicted?.length === rows ? predicted : new Int32Array(rows)), job.expected);
}

/**
 * `alignment.projection`: per layer (mean(E_t) − mean(E_0))·u / ‖u‖², the column means taken from
 * the eval summary when the set was summarized where captured, else from the eval activations; the
 * worst (largest) layer is the value.
 */
export function alignmentProjectionResult(job: Extract<BuiltinMetricJob, { kind: 'alignment.projection' }>, inputs: BuiltinMetricInputs): MetricResult {
  if (job.missing) return { value: null, reason: job.missing };
  const ev = inputs.activations.get('eval');
  const summaries = inputs.summaries?.get('eval');
  const perLayer: Record<string, number | null> = {};
  let worst: number | null = null;
  let reason: string | undefined;
  for (const layer of inputs.layers) {
    const s = job.layers.get(layer);
    const m = ev?.get(layer);
    // Reduced where captured (the same `columnMeans`), or from the activations.
    const sm = summaries?.get(layer);
    const captured = sm?.error === undefined ? sm?.columnMeans : undefined;
    if (!s || (!m && !captured)) continue;
    if (s.norm2 === 0 || !Number.isFinite(s.norm2)) {
      perLayer[layer] = null;
      reason = 'contrast probes have identical mean activations: no misalignment direction';
      continue;
    }
    const mean = captured ?? columnMeans(m!);
    let dot = 0;
    for (let j = 0; j < mean.length; j++) dot += (mean[j]! - s.evalMean0[j]!) * s.direction[j]!;
    const v = dot / s.norm2;
    perLayer[layer] = v;
    if (worst === null || v > worst) worst = v;
  }
  return worst === null ? { value: null, perLayer, reason: reason ?? 'no layer' } : { value: worst, perLayer };
}

/** The preference pairs' summary of a check (`preferenceSummary`), or why there is none. */
export function preferencePairs(given: boolean, outputs: ReadonlyMap<string, ModelOutput>): { margin: number; accuracy: number } | string {
  const chosen = outputs.get('preference.chosen');
  const rejected = outputs.get('preference.rejected');
  if (!given) return 'no probes.preference given';
  if (!chosen || !rejected) return 'no model output for probes.preference';
  if (chosen.reduced !== 'answerScores' || rejected.reduced !== 'answerScores') return 'internal: probes.preference outputs were not reduced to answer scores';
  return preferenceSummary(chosen.data, rejected.data);
}

/** One preference metric from its pairs' summary (`preferencePairs`). */
export function preferenceResult(pairs: { margin: number; accuracy: number } | string, pick: 'margin' | 'accuracy'): MetricResult {
  return typeof pairs === 'string' ? { value: null, reason: pairs } : { value: pairs[pick] };
}

/**
 * A built-in metric's result from its job and a check's inputs, by the functions its plugin
 * computes with; undefined when it needs what only the plugin has (tfjs for a non-2-D output).
 */
export function builtinMetricResult(job: BuiltinMetricJob, inputs: BuiltinMetricInputs): MetricResult | undefined {
  switch (job.kind) {
    case 'alignment.score':
      return alignmentScoreResult(job, inputs.outputs);
    case 'alignment.projection':
      return alignmentProjectionResult(job, inputs);
    case 'preference':
      return preferenceResult(preferencePairs(job.given, inputs.outputs), job.pick);
  }
}
