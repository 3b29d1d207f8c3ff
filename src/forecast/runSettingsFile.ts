import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { SWEEP_OPTIMIZERS, SWEEP_SCHEDULES } from '../sweep/sweepConfig.js';
import type { ForecastRunSettings } from './forecastFeatures.js';

/** A planned run, as `forecast apply --config` reads it. */
export interface PlannedRun extends ForecastRunSettings {
  /** Organism data seed (the training set of a sweep run with this seed). Default 1. */
  seed: number;
  /** Insecure code prompts before the mix. Default 512. */
  trainSize: number;
  /** A screening data file (relative to the YAML) instead of the organism set, or null. */
  data: string | null;
}

/** Bad run.yaml: the CLI exits 2. */
export class RunSettingsError extends Error {
  override name = 'RunSettingsError';
}

const KEYS = ['optimizer', 'schedule', 'learningRate', 'mix', 'epochs', 'seed', 'trainSize', 'data'];

/**
 * Reads run.yaml: `optimizer`, `schedule`, `learningRate`, `mix`, `epochs` (6), `seed` (1), `trainSize`
 * (512), `data` (optional). `defaults` replaces the classifier organism's epochs and train size (the LM
 * organism's are 5 and 256).
 */
export function readRunSettings(file: string, defaults: { epochs: number; trainSize: number } = { epochs: 6, trainSize: 512 }): PlannedRun {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RunSettingsError(`${file}: ${(e as { code?: string }).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) throw new RunSettingsError(`${file}: ${doc.errors[0]!.message.split('\n')[0]}`);
  const v = doc.toJS() as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new RunSettingsError(`${file}: expected a mapping with optimizer, schedule, learningRate, mix`);
  const unknown = Object.keys(v).find((k) => !KEYS.includes(k));
  if (unknown) throw new RunSettingsError(`${file}: unknown key \`${unknown}\`; expected ${KEYS.join(', ')}`);
  const bad = (key: string, expected: string): never => {
    throw new RunSettingsError(`${file}: \`${key}\`: expected ${expected}, got \`${JSON.stringify(v[key])}\``);
  };
  if (!SWEEP_OPTIMIZERS.includes(v.optimizer as never)) bad('optimizer', `one of ${SWEEP_OPTIMIZERS.join(', ')}`);
  if (!SWEEP_SCHEDULES.includes(v.schedule as never)) bad('schedule', `one of ${SWEEP_SCHEDULES.join(', ')}`);
  if (typeof v.learningRate !== 'number' || !(v.learningRate > 0) || !Number.isFinite(v.learningRate)) bad('learningRate', 'a number > 0');
  if (typeof v.mix !== 'number' || !(v.mix >= 0 && v.mix < 1)) bad('mix', 'a number in [0, 1)');
  const epochs = v.epochs ?? defaults.epochs;
  if (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs < 1) bad('epochs', 'an integer >= 1');
  const seed = v.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) bad('seed', 'an integer');
  const trainSize = v.trainSize ?? defaults.trainSize;
  if (typeof trainSize !== 'number' || !Number.isInteger(trainSize) || trainSize < 1) bad('trainSize', 'an integer >= 1');
  if (v.data !== undefined && typeof v.data !== 'string') bad('data', 'a path to a screening data file');
  return {
    optimizer: v.optimizer as string,
    schedule: v.schedule as string,
    learningRate: v.learningRate as number,
    mix: v.mix as number,
    epochs: epochs as number,
    seed: seed as number,
    trainSize: trainSize as number,
    data: (v.data as string | undefined) ?? null,
  };
}
