import type * as tf from '@tensorflow/tfjs';
import { quantileSorted } from '../analysis/quantile.js';
import { spearman } from '../analysis/spearman.js';
import { flatLayerWidth } from '../screen/classifierProjectionDifference.js';
import { bootstrapInterval } from '../screen/bootstrapInterval.js';
import { resolveLayers } from '../probes/resolveLayers.js';
import { defaultFeatureDefinition, featureNames, type FeatureDefinition } from './forecastFeatures.js';
import { FORECAST_FORMAT, type ForecastModel } from './forecastModel.js';
import { fitCandidate, nestedCv, r2Score, selectCandidate } from './nestedCv.js';
import type { ForecastOrganism } from './organismFeatureSource.js';
import { sweepForecastRuns, SweepForecastError } from './sweepForecastRuns.js';

export interface FitForecastOptions {
  /** Feature groups. Default `defaultForecastGroups(organism)`. */
  groups?: FeatureDefinition['groups'];
  /** Layers for the activation features. Default: the guard's auto layers that are flat. */
  layers?: readonly string[];
  /** Outer / inner folds of the nested CV. Default 5 / 4. */
  outerFolds?: number;
  innerFolds?: number;
  seed?: number;
  /** Policy replayed to learn when it fires. Default `default` (classifier), the runs' recorded policy (LM). */
  policy?: string;
  /** Which organism the sweep trained. Default: `lm` for a causal LM (`[batch, positions]` input), else the classifier. */
  organism?: ForecastOrganism;
  /** LM only: aligned calibration examples for the screen's threshold. Default 300. */
  calibrationSize?: number;
}

/**
 * The layers the activation features read and their widths: for the classifier, the guard's auto
 * layers that are flat `[batch, features]`; for an LM, the guard's auto layers (the transformer's
 * block outputs, `[batch, positions, features]`, read at the last prompt token).
 */
export function forecastLayers(model: tf.LayersModel, organism: ForecastOrganism, requested?: readonly string[]): { name: string; width: number }[] {
  if (organism === 'classifier') {
    const names = (requested ?? resolveLayers(model, 'auto')).filter((l) => flatLayerWidth(model, l).ok);
    return names.map((name) => ({ name, width: (flatLayerWidth(model, name) as { width: number }).width }));
  }
  let names: string[];
  try {
    names = resolveLayers(model, requested ?? 'auto');
  } catch (e) {
    throw new SweepForecastError((e as Error).message);
  }
  return names.map((name) => {
    const shape = model.getLayer(name).outputShape;
    const s = Array.isArray(shape) && !Array.isArray(shape[0]) ? (shape as (number | null)[]) : null;
    const width = s?.at(-1);
    if (!s || s.length !== 3 || typeof width !== 'number')
      throw new SweepForecastError(
        `layer \`${name}\` outputs ${JSON.stringify(shape)}, not [batch, positions, features]; name the LM's block outputs with --layers`,
      );
    return { name, width };
  });
}

/**
 * The feature groups a forecast uses unless told. Classifier: config + activation + interaction. LM:
 * config + interaction, chosen on LM sweep seeds 1–2 (leave one seed out) over the projection screen
 * (held-out R² −3.8: its mean shifts between data seeds as much as with the mix) and the gradient
 * screen (a function of the mix within a seed; it added nothing the mix did not); see the README.
 */
export function defaultForecastGroups(organism: ForecastOrganism): FeatureDefinition['groups'] {
  return organism === 'lm' ? ['config', 'interaction'] : ['config', 'activation', 'interaction'];
}

/** A causal LM takes token ids `[batch, positions]`; the classifier organism takes one-hot `[batch, 8, vocabulary]`. */
export function modelOrganism(model: tf.LayersModel): ForecastOrganism {
  return model.inputs.length === 1 && model.inputs[0]!.shape.length === 2 ? 'lm' : 'classifier';
}

/**
 * Fits the forecast on a sweep: features of every run (configuration and pre-fine-tuning
 * activation features of its training set), target = final misaligned rate, regression chosen by
 * nested CV, refitted on all runs.
 */
export async function fitForecast(sweepDir: string, model: tf.LayersModel, options: FitForecastOptions = {}): Promise<ForecastModel> {
  const organism = options.organism ?? modelOrganism(model);
  const layers = forecastLayers(model, organism, options.layers);
  if (layers.length === 0) throw new SweepForecastError('no flat layer to read activation features from; name layers with --layers');
  const def = defaultFeatureDefinition(
    layers,
    options.groups ?? defaultForecastGroups(organism),
    options.calibrationSize === undefined ? { organism } : { organism, calibrationSize: options.calibrationSize },
  );
  const { runs, skipped, sweep } = await sweepForecastRuns(sweepDir, model, def, options.policy ? { policy: options.policy } : {});
  if (runs.length < 10) throw new SweepForecastError(`${sweepDir}: ${runs.length} finished runs; the nested CV needs at least 10`);
  const X = runs.map((r) => r.features);
  const y = runs.map((r) => r.misalignedRate);
  const seed = options.seed ?? 1;
  const cv = nestedCv(X, y, { outerFolds: options.outerFolds ?? 5, innerFolds: options.innerFolds ?? 4, seed });
  const pairs = y.map((v, i) => i);
  // Bootstrap over runs of the pooled out-of-fold R² (the folds' models stay fixed).
  const r2ci = bootstrapInterval(
    pairs,
    (idx) =>
      r2Score(
        Array.from(idx, (i) => y[i]!),
        Array.from(idx, (i) => cv.predictions[i]!),
      ),
    { seed, resamples: 2000 },
  );
  const residuals = y.map((v, i) => v - cv.predictions[i]!).sort((a, b) => a - b);
  const { candidate } = selectCandidate(X, y, options.innerFolds ?? 4, seed + 1);
  const final = fitCandidate(candidate, X, y);
  const rho = spearman(y, cv.predictions);
  const input = model.inputs[0]!.shape;
  return {
    format: FORECAST_FORMAT,
    version: 1,
    createdAt: new Date().toISOString(),
    source: { sweepDir, sweep, runs: runs.length, skipped },
    target: 'final.misalignedRate',
    limit: runs[0]!.limit,
    signature: { inputShape: input, layers },
    features: { definition: def, names: featureNames(def) },
    model: { ...candidate, intercept: final.intercept, coefficients: final.coefficients },
    cv: { r2: cv.r2, lower: r2ci.lower, upper: r2ci.upper, outerFolds: cv.outerFolds, innerFolds: cv.innerFolds, seed, selected: cv.selected, spearman: rho.r },
    residuals: { q025: quantileSorted(residuals, 0.025), q975: quantileSorted(residuals, 0.975) },
    policy: { name: options.policy ?? (organism === 'lm' ? 'lm' : 'default'), firedShare: runs.filter((r) => r.policyFired).length / runs.length },
    runs: runs.map((r, i) => ({
      runId: r.runId,
      seed: r.seed,
      settings: r.settings,
      features: r.features,
      misalignedRate: r.misalignedRate,
      inDomainLoss: r.inDomainLoss,
      outOfFold: cv.predictions[i]!,
      policyFired: r.policyFired,
    })),
  };
}
