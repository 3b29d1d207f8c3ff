import type * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSweepRuns } from '../analysis/sweepRunData.js';
import { replayPolicy } from '../analysis/replayPolicy.js';
import { loadPolicy } from '../policy/loadPolicy.js';
import { organismCalibrationSet, organismContrast, organismFineTuneSet, organismScorer } from '../screen/organismScreenSets.js';
import { RUN_CONFIG_FILE } from '../sweep/sweepRunResult.js';
import type { SweepRunConfig } from '../sweep/sweepConfig.js';
import { featureVector, type DataFeatures, type FeatureDefinition, type ForecastRunSettings } from './forecastFeatures.js';
import { organismDataFeatures } from './organismDataFeatures.js';

/** One run's features and outcomes (before cross-validation). */
export interface SweepForecastRun {
  runId: string;
  seed: number;
  settings: ForecastRunSettings;
  features: number[];
  /** Final out-of-domain misaligned rate (the target). */
  misalignedRate: number;
  inDomainLoss: number | null;
  /** The misaligned-rate limit of the run's label (`fitForecast` keeps the first run's as the model's). */
  limit: number;
  /** Whether the bundled policy, replayed on the run's recorded checks, would have aborted it. */
  policyFired: boolean;
}

/** Why a sweep cannot feed a forecast: the CLI exits 2. */
export class SweepForecastError extends Error {
  override name = 'SweepForecastError';
}

/**
 * Features and outcomes of every finished run of an organism sweep. Data features are computed
 * once per distinct training set (seed, mix, train size) on `model`, the model the runs started from.
 */
export async function sweepForecastRuns(
  dir: string,
  model: tf.LayersModel,
  def: FeatureDefinition,
  options: { policy?: string } = {},
): Promise<{ runs: SweepForecastRun[]; skipped: number; sweep: string | null }> {
  let loaded;
  try {
    loaded = loadSweepRuns(dir);
  } catch (e) {
    throw new SweepForecastError((e as Error).message);
  }
  if (loaded.runs.length === 0)
    throw new SweepForecastError(`${dir}: no finished runs (each run needs result.json and run.jsonl); run \`em-guard sweep <sweep.yaml>\` first`);
  const policy = loadPolicy(options.policy ?? 'default');
  const contrast = organismContrast();
  const calibration = organismScorer(model, organismCalibrationSet(1));
  const cache = new Map<string, DataFeatures>();
  const runs: SweepForecastRun[] = [];
  let sweep: string | null = null;
  try {
    for (const run of loaded.runs) {
      const configPath = join(run.dir, RUN_CONFIG_FILE);
      if (!existsSync(configPath)) throw new SweepForecastError(`${configPath}: missing; forecast needs each run's config.json`);
      const config = JSON.parse(readFileSync(configPath, 'utf8')) as SweepRunConfig;
      if (config.target?.kind !== 'organism')
        throw new SweepForecastError(
          `${configPath}: the run trains ${config.target?.kind === 'lm' ? 'the LM organism' : 'a user module'}; forecast fit rebuilds each run's training data and supports classifier-organism sweeps only`,
        );
      sweep ??= config.sweep ?? null;
      const trainSize = config.target.organism.trainSize;
      const key = `${config.seed}:${config.mix}:${trainSize}`;
      if (!cache.has(key))
        cache.set(key, await organismDataFeatures(model, def, organismFineTuneSet(config.seed, config.mix, trainSize), { calibration, contrast }));
      const settings: ForecastRunSettings = {
        optimizer: config.optimizer,
        schedule: config.schedule,
        learningRate: config.learningRate,
        mix: config.mix,
        epochs: config.epochs,
      };
      runs.push({
        runId: run.runId,
        seed: config.seed,
        settings,
        features: featureVector(def, settings, cache.get(key)!),
        misalignedRate: run.result.final.misalignedRate,
        inDomainLoss: run.result.final.inDomainLoss,
        limit: run.result.label.limit,
        policyFired: replayPolicy(policy, run.baseline, run.checks).abortStep !== null,
      });
    }
  } finally {
    calibration.dispose();
    contrast.dispose();
  }
  return { runs, skipped: loaded.skipped.length, sweep };
}
