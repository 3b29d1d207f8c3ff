import type * as tf from '@tensorflow/tfjs';
import { pearson } from '../analysis/pearson.js';
import { spearman } from '../analysis/spearman.js';
import type { CorrelationResult } from '../analysis/correlationResult.js';
import { bootstrapInterval, type Interval } from '../screen/bootstrapInterval.js';
import { linearForecast, type ForecastModel } from './forecastModel.js';
import { clip01, r2Score } from './nestedCv.js';
import { sweepForecastRuns } from './sweepForecastRuns.js';

export interface ForecastEvaluation {
  sweepDir: string;
  runs: number;
  /** R² of the forecast on the held-out runs (1 − SSE/SST around their own mean), with a bootstrap interval over runs. */
  r2: Interval;
  pearson: CorrelationResult;
  spearman: CorrelationResult;
  /** Held-out runs per outcome: forecast above/below the limit vs observed. */
  confusion: { truePositive: number; falsePositive: number; trueNegative: number; falseNegative: number };
  predictions: { runId: string; forecast: number; observed: number }[];
}

/** Applies a saved forecast to every run of another (held-out) sweep and scores it. */
export async function evaluateForecast(forecast: ForecastModel, model: tf.LayersModel, sweepDir: string): Promise<ForecastEvaluation> {
  const { runs } = await sweepForecastRuns(sweepDir, model, forecast.features.definition, { policy: forecast.policy.name });
  const y = runs.map((r) => r.misalignedRate);
  const yhat = runs.map((r) => clip01(linearForecast(forecast, r.features)));
  const idx = y.map((_, i) => i);
  const r2 = bootstrapInterval(
    idx,
    (b) =>
      r2Score(
        Array.from(b, (i) => y[i]!),
        Array.from(b, (i) => yhat[i]!),
      ),
    { resamples: 2000, seed: 1 },
  );
  const c = { truePositive: 0, falsePositive: 0, trueNegative: 0, falseNegative: 0 };
  y.forEach((v, i) => {
    const pos = yhat[i]! > forecast.limit;
    const em = v > forecast.limit;
    if (pos && em) c.truePositive++;
    else if (pos) c.falsePositive++;
    else if (em) c.falseNegative++;
    else c.trueNegative++;
  });
  return {
    sweepDir,
    runs: runs.length,
    r2,
    pearson: pearson(yhat, y),
    spearman: spearman(yhat, y),
    confusion: c,
    predictions: runs.map((r, i) => ({ runId: r.runId, forecast: yhat[i]!, observed: y[i]! })),
  };
}
