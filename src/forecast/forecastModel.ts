import type * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import type { Candidate } from './nestedCv.js';
import type { FeatureDefinition } from './forecastFeatures.js';
import type { SweepForecastRun } from './sweepForecastRuns.js';

export const FORECAST_FORMAT = 'em-guard-forecast';

/** One sweep run as the forecast saw it (its limit is the model's): for nearest-run look-ups and `recommend`. */
export interface ForecastTrainingRun extends Omit<SweepForecastRun, 'limit'> {
  /** Nested-CV out-of-fold forecast for this run. */
  outOfFold: number;
}

/** A fitted forecast, as saved by `forecast fit`. */
export interface ForecastModel {
  format: typeof FORECAST_FORMAT;
  version: 1;
  createdAt: string;
  /** Where it was fitted: the sweep directory, its name, run count. */
  source: { sweepDir: string; sweep: string | null; runs: number; skipped: number };
  target: 'final.misalignedRate';
  /** EM label limit of the sweep (final rate > limit). */
  limit: number;
  /** The model the features were computed on: input shape and the watched layers' widths. */
  signature: { inputShape: (number | null)[]; layers: { name: string; width: number }[] };
  features: { definition: FeatureDefinition; names: string[] };
  /** The chosen regression refitted on every run. */
  model: Candidate & { intercept: number; coefficients: number[] };
  /** Nested CV: pooled out-of-fold R² with a 95 % bootstrap interval over runs, and each outer fold's choice. */
  cv: { r2: number; lower: number; upper: number; outerFolds: number; innerFolds: number; seed: number; selected: Candidate[]; spearman: number | null };
  /** 2.5 % and 97.5 % quantiles of the out-of-fold residuals (observed − forecast): the prediction interval. */
  residuals: { q025: number; q975: number };
  /** The bundled policy replayed: which policy, and the share of runs it aborted. */
  policy: { name: string; firedShare: number };
  runs: ForecastTrainingRun[];
}

/** A forecast file that cannot be used: the CLI exits 2. */
export class ForecastModelError extends Error {
  override name = 'ForecastModelError';
}

/** Reads and checks a saved forecast (format, version, shapes). */
export function readForecastModel(file: string): ForecastModel {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new ForecastModelError(`${file}: ${code === 'ENOENT' ? 'no such file' : code ? (e as Error).message : `not valid JSON (${(e as Error).message})`}`);
  }
  const m = v as Partial<ForecastModel>;
  if (typeof m !== 'object' || m === null || m.format !== FORECAST_FORMAT)
    throw new ForecastModelError(
      `${file}: not an em-guard forecast (expected \`"format": "${FORECAST_FORMAT}"\`); make one with \`em-guard forecast fit <sweepDir> --out ${file}\``,
    );
  if (m.version !== 1) throw new ForecastModelError(`${file}: forecast version \`${String(m.version)}\` is not supported (expected 1)`);
  const n = m.features?.names?.length;
  if (!n || m.model?.coefficients?.length !== n || !m.signature?.layers || !Array.isArray(m.runs))
    throw new ForecastModelError(`${file}: malformed forecast (feature names, coefficients, signature or runs missing or of different lengths)`);
  return m as ForecastModel;
}

/** The saved linear model's forecast for one feature vector, before clipping to [0, 1]. */
export function linearForecast(forecast: ForecastModel, x: readonly number[]): number {
  return forecast.model.intercept + x.reduce((s, v, j) => s + v * forecast.model.coefficients[j]!, 0);
}

/**
 * Why `model` cannot take this forecast, or null: every layer the features read must exist with the
 * same width, and the input shape must match (the features are defined on those activations).
 */
export function signatureMismatch(forecast: ForecastModel, model: tf.LayersModel): string | null {
  const input = model.inputs.length === 1 ? model.inputs[0]!.shape : null;
  if (!input || JSON.stringify(input) !== JSON.stringify(forecast.signature.inputShape)) {
    return `the model's input shape ${JSON.stringify(input)} differs from the forecast's ${JSON.stringify(forecast.signature.inputShape)}`;
  }
  for (const l of forecast.signature.layers) {
    let shape: unknown;
    try {
      shape = model.getLayer(l.name).outputShape;
    } catch {
      return `the model has no layer \`${l.name}\` (the forecast reads ${forecast.signature.layers.map((x) => `${x.name}[${x.width}]`).join(', ')})`;
    }
    const width = Array.isArray(shape) ? (shape as unknown[]).at(-1) : null;
    if (width !== l.width) return `layer \`${l.name}\` is ${String(width)} wide but the forecast was fitted on width ${l.width}`;
  }
  return null;
}
