import type * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSweepRuns } from '../analysis/sweepRunData.js';
import { replayPolicy } from '../analysis/replayPolicy.js';
import { loadPolicy } from '../policy/loadPolicy.js';
import type { Policy } from '../policy/policy.js';
import { RUN_CONFIG_FILE } from '../sweep/sweepRunResult.js';
import type { SweepRunConfig } from '../sweep/sweepConfig.js';
import { featureVector, type FeatureDefinition, type ForecastRunSettings } from './forecastFeatures.js';
import { defaultTrainSize, organismFeatureSource, type ForecastOrganism } from './organismFeatureSource.js';

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

/** Which organism a sweep directory's runs trained (from the first run's config.json), or null when unknown. */
export function sweepOrganism(dir: string): ForecastOrganism | 'module' | null {
  let loaded;
  try {
    loaded = loadSweepRuns(dir);
  } catch {
    return null;
  }
  for (const run of loaded.runs) {
    const configPath = join(run.dir, RUN_CONFIG_FILE);
    if (!existsSync(configPath)) continue;
    try {
      const kind = (JSON.parse(readFileSync(configPath, 'utf8')) as SweepRunConfig).target?.kind;
      return kind === 'lm' ? 'lm' : kind === 'organism' ? 'classifier' : 'module';
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Features and outcomes of every finished run of an organism sweep (classifier or LM, as the
 * feature definition says). Data features are computed once per distinct training set (seed, mix,
 * train size) on `model`, the model the runs started from. The policy replayed defaults to
 * `default` for classifier sweeps and to the policy each LM run recorded (`lm` in the bundled LM sweeps).
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
  const organism = def.organism ?? 'classifier';
  const wantKind = organism === 'lm' ? 'lm' : 'organism';
  const configs = loaded.runs.map((run) => {
    const configPath = join(run.dir, RUN_CONFIG_FILE);
    if (!existsSync(configPath)) throw new SweepForecastError(`${configPath}: missing; forecast needs each run's config.json`);
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as SweepRunConfig;
    const kind = config.target?.kind;
    if (kind !== wantKind)
      throw new SweepForecastError(
        kind === 'organism' || kind === 'lm'
          ? `${configPath}: the run trains the ${kind === 'lm' ? 'LM' : 'classifier'} organism but the forecast's features are defined on the ${organism === 'lm' ? 'LM' : 'classifier'} organism; pass the matching --model (or forecast)`
          : `${configPath}: the run trains a user module; forecast fit rebuilds each run's training data and supports organism sweeps (classifier or LM) only`,
      );
    return config;
  });
  const policies = new Map<string, Policy>();
  const policyOf = (name: string): Policy => {
    if (!policies.has(name)) policies.set(name, loadPolicy(name));
    return policies.get(name)!;
  };
  const source = organismFeatureSource(model, def);
  const runs: SweepForecastRun[] = [];
  let sweep: string | null = null;
  try {
    for (const [i, run] of loaded.runs.entries()) {
      const config = configs[i]!;
      sweep ??= config.sweep ?? null;
      const target = config.target;
      const trainSize = target.kind === 'organism' ? target.organism.trainSize : target.kind === 'lm' ? target.lm.trainSize : defaultTrainSize(organism);
      const data = await source.features(config.seed, config.mix, trainSize);
      const settings: ForecastRunSettings = {
        optimizer: config.optimizer,
        schedule: config.schedule,
        learningRate: config.learningRate,
        mix: config.mix,
        epochs: config.epochs,
      };
      const policy = policyOf(options.policy ?? (organism === 'lm' ? (config.policy ?? 'lm') : 'default'));
      runs.push({
        runId: run.runId,
        seed: config.seed,
        settings,
        features: featureVector(def, settings, data),
        misalignedRate: run.result.final.misalignedRate,
        inDomainLoss: run.result.final.inDomainLoss,
        limit: run.result.label.limit,
        policyFired: replayPolicy(policy, run.baseline, run.checks).abortStep !== null,
      });
    }
  } finally {
    source.dispose();
  }
  return { runs, skipped: loaded.skipped.length, sweep };
}
