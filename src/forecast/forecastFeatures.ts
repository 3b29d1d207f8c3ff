import type * as tf from '@tensorflow/tfjs';
import { columnMeans } from '../metrics/columnMeans.js';
import { contrastDirection } from '../metrics/contrastDirection.js';
import { ProbeCapture } from '../probes/ProbeCapture.js';
import type { ContrastProbes } from '../probes/probeTypes.js';
import { screenDataset } from '../screen/screenDataset.js';
import type { ScreeningScorer } from '../screen/screeningScorer.js';
import { SWEEP_OPTIMIZERS, SWEEP_SCHEDULES } from '../sweep/sweepConfig.js';
import type { GradientFeatures } from './lmGradientFeatures.js';

/** The run settings a forecast reads (a sweep run's `settings`, or a run.yaml). */
export interface ForecastRunSettings {
  optimizer: string;
  schedule: string;
  learningRate: number;
  mix: number;
  epochs: number;
}

/** How features are built; saved with the model so `apply` rebuilds exactly the same vector. */
export interface FeatureDefinition {
  version: 1;
  optimizers: string[];
  schedules: string[];
  /** Layers (and their widths) whose pre-fine-tuning activations give the data features. */
  layers: { name: string; width: number }[];
  /** Screening threshold quantile. */
  quantile: number;
  /**
   * Which groups are in the vector: config, activation (projection screen + prompt projections per
   * layer), gradient (LM only: the gradient-alignment screen's dataset mean and share), interactions.
   */
  groups: ('config' | 'activation' | 'gradient' | 'interaction')[];
  /** The organism whose training sets the data features are computed on; absent = the classifier organism. */
  organism?: 'classifier' | 'lm';
  /** LM only: aligned calibration examples for the screen threshold (default 300). */
  calibrationSize?: number;
}

export function defaultFeatureDefinition(
  layers: { name: string; width: number }[],
  groups: FeatureDefinition['groups'] = ['config', 'activation', 'interaction'],
  options: { organism?: 'classifier' | 'lm'; calibrationSize?: number } = {},
): FeatureDefinition {
  const def: FeatureDefinition = { version: 1, optimizers: [...SWEEP_OPTIMIZERS], schedules: [...SWEEP_SCHEDULES], layers, quantile: 0.95, groups };
  if (options.organism === 'lm') {
    def.organism = 'lm';
    if (options.calibrationSize !== undefined) def.calibrationSize = options.calibrationSize;
  }
  return def;
}

/** Data features of one fine-tuning set, per layer, from prompt-only activations of the model before fine-tuning. */
export interface DataFeatures {
  /** Mean projection difference (screen score) per layer. */
  screenMean: Record<string, number>;
  /** Share of examples above the aligned threshold per layer. */
  screenShare: Record<string, number>;
  /** Mean of the training prompts' activations projected on the unit misalignment direction, minus the aligned contrast mean's. */
  promptProjection: Record<string, number>;
  /** LM, group `gradient`: the gradient-alignment screen's dataset score (`lmGradientFeatureSource`). */
  gradient?: GradientFeatures;
}

/**
 * Computes the data features of a training set: the screen (projection differences) and where the
 * training prompts sit along the misalignment direction, both on the model before fine-tuning.
 */
export async function dataFeatures(
  model: tf.LayersModel,
  def: FeatureDefinition,
  args: { data: ScreeningScorer; inputs: tf.Tensor; calibration: ScreeningScorer; contrast: ContrastProbes },
): Promise<DataFeatures> {
  const layers = def.layers.map((l) => l.name);
  const screen = await screenDataset({
    model,
    data: args.data,
    calibration: args.calibration,
    contrast: args.contrast,
    layers,
    quantile: def.quantile,
    resamples: 0,
  });
  const capture = new ProbeCapture(model, layers, { pooling: 'last' });
  const prompts = await capture.capture(args.inputs);
  const aligned = await capture.capture(args.contrast.aligned);
  const misaligned = await capture.capture(args.contrast.misaligned);
  const out: DataFeatures = { screenMean: {}, screenShare: {}, promptProjection: {} };
  for (const layer of layers) {
    const l = screen.layers.find((x) => x.layer === layer);
    out.screenMean[layer] = l?.mean.value ?? 0;
    out.screenShare[layer] = l?.shareAbove.value ?? 0;
    const { direction: u, norm2, alignedMean: a } = contrastDirection(aligned.get(layer)!, misaligned.get(layer)!);
    const p = columnMeans(prompts.get(layer)!);
    let dot = 0;
    for (let j = 0; j < a.length; j++) dot += (p[j]! - a[j]!) * u[j]!;
    // In contrast-gap units like alignment.projection: 0 = the aligned contrast mean, 1 = the misaligned one.
    out.promptProjection[layer] = norm2 > 0 ? dot / norm2 : 0;
  }
  return out;
}

/** Names of the feature vector's entries, in order. */
export function featureNames(def: FeatureDefinition): string[] {
  const names: string[] = [];
  if (def.groups.includes('config'))
    names.push('log10_lr', 'mix', 'epochs', ...def.optimizers.map((o) => `optimizer=${o}`), ...def.schedules.map((s) => `schedule=${s}`));
  if (def.groups.includes('activation'))
    for (const l of def.layers) names.push(`screen_mean@${l.name}`, `screen_share@${l.name}`, `prompt_projection@${l.name}`);
  if (def.groups.includes('gradient')) names.push('gradient_mean', 'gradient_share');
  if (def.groups.includes('interaction')) {
    names.push(...def.optimizers.map((o) => `optimizer=${o}×log10_lr`));
    if (def.groups.includes('activation')) for (const l of def.layers) names.push(`screen_mean@${l.name}×log10_lr`);
    if (def.groups.includes('gradient')) names.push('gradient_mean×log10_lr');
  }
  return names;
}

/** The feature vector of one run. */
export function featureVector(def: FeatureDefinition, run: ForecastRunSettings, data: DataFeatures): number[] {
  const lr = Math.log10(run.learningRate);
  const v: number[] = [];
  if (def.groups.includes('config'))
    v.push(lr, run.mix, run.epochs, ...def.optimizers.map((o) => (run.optimizer === o ? 1 : 0)), ...def.schedules.map((s) => (run.schedule === s ? 1 : 0)));
  if (def.groups.includes('activation'))
    for (const l of def.layers) v.push(data.screenMean[l.name] ?? 0, data.screenShare[l.name] ?? 0, data.promptProjection[l.name] ?? 0);
  if (def.groups.includes('gradient')) v.push(gradientOf(data).mean, gradientOf(data).share);
  if (def.groups.includes('interaction')) {
    v.push(...def.optimizers.map((o) => (run.optimizer === o ? lr : 0)));
    if (def.groups.includes('activation')) for (const l of def.layers) v.push((data.screenMean[l.name] ?? 0) * lr);
    if (def.groups.includes('gradient')) v.push(gradientOf(data).mean * lr);
  }
  return v;
}

function gradientOf(data: DataFeatures): GradientFeatures {
  if (!data.gradient) throw new Error('forecast: the feature definition has the `gradient` group but the data features have no gradient screen score');
  return data.gradient;
}
