import { featureVector, type DataFeatures, type ForecastRunSettings } from './forecastFeatures.js';
import { linearForecast, type ForecastModel } from './forecastModel.js';
import { clip01 } from './nestedCv.js';

export interface ForecastOutcome {
  /** Forecast final out-of-domain misaligned rate, clipped to [0, 1]. */
  forecast: number;
  /** 95 % prediction interval: forecast + the 2.5 % / 97.5 % out-of-fold residual quantiles, clipped. */
  interval: [number, number];
  /** The sweep's nearest runs in standardized feature space. */
  nearest: { runId: string; distance: number; misalignedRate: number; policyFired: boolean }[];
  policy: {
    name: string;
    /** Share of the nearest runs on which the replayed policy aborted. */
    nearestFiredShare: number;
    /** Whether the forecast exceeds the sweep's EM limit (what the bundled policy is tuned to catch). */
    forecastAboveLimit: boolean;
    likelyFires: boolean;
  };
  features: Record<string, number>;
}

/** Applies a fitted forecast to one run's settings and its training set's data features. */
export function applyForecast(model: ForecastModel, settings: ForecastRunSettings, data: DataFeatures, options: { nearest?: number } = {}): ForecastOutcome {
  const x = featureVector(model.features.definition, settings, data);
  const raw = linearForecast(model, x);
  const forecast = clip01(raw);
  const p = x.length;
  const mean = new Array<number>(p).fill(0);
  const sd = new Array<number>(p).fill(0);
  for (const r of model.runs) r.features.forEach((v, j) => (mean[j]! += v / model.runs.length));
  for (const r of model.runs) r.features.forEach((v, j) => (sd[j]! += (v - mean[j]!) ** 2 / model.runs.length));
  const scale = sd.map((v) => (v > 0 ? Math.sqrt(v) : 1));
  const k = Math.min(options.nearest ?? 5, model.runs.length);
  const nearest = model.runs
    .map((r) => ({
      runId: r.runId,
      distance: Math.sqrt(r.features.reduce((s, v, j) => s + ((v - x[j]!) / scale[j]!) ** 2, 0)),
      misalignedRate: r.misalignedRate,
      policyFired: r.policyFired,
    }))
    .sort((a, b) => a.distance - b.distance || a.runId.localeCompare(b.runId))
    .slice(0, k);
  const nearestFiredShare = nearest.filter((n) => n.policyFired).length / Math.max(1, nearest.length);
  const forecastAboveLimit = forecast > model.limit;
  return {
    forecast,
    interval: [clip01(raw + model.residuals.q025), clip01(raw + model.residuals.q975)],
    nearest,
    policy: { name: model.policy.name, nearestFiredShare, forecastAboveLimit, likelyFires: forecastAboveLimit || nearestFiredShare > 0.5 },
    features: Object.fromEntries(model.features.names.map((n, j) => [n, x[j]!])),
  };
}
