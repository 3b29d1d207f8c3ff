import * as tf from '@tensorflow/tfjs';
import { AlignedMixer } from '../../mitigation/AlignedMixer.js';
import { deriveSeed } from '../organismRandom.js';
import { LM_OUT_OF_DOMAIN } from './lmGrammar.js';
import type { LmFineTuneConfig } from './lmFineTuneConfig.js';
import { makeLmDataset, type LmSet } from './makeLmDataset.js';
import { lmTensors } from './lmTensors.js';

export interface LmMixerOptions {
  /** Seeds the aligned pool and the mixer's order and rounding. */
  seed: number;
  /** Aligned share at the start. Default 0 (the task alone until `mix` raises it). */
  share?: number;
  /**
   * Batches per `fitDataset` epoch. Default: the unmixed run's (task rows / batch size), so aligned rows
   * replace task rows and the run costs the same number of steps as the unguarded one, as the LM
   * organism's static `mix` replaces examples (`lmFineTuneConfig`). `null`: one pass over the task rows
   * per epoch, aligned rows on top.
   */
  batchesPerEpoch?: number | null;
}

/**
 * An aligned-data mixer for the LM organism's narrow fine-tune: the task is `config`'s insecure-code
 * set, the aligned pool as many aligned examples of the five out-of-domain domains (refusals of
 * harmful requests, good advice; the same source as the static `mix`), batches of the recipe's size.
 * Caller disposes.
 */
export function lmMixer(config: LmFineTuneConfig, options: LmMixerOptions): { mixer: AlignedMixer; dispose: () => void } {
  const pool = makeLmDataset({ seed: deriveSeed(options.seed, 'lm-stage3-mix'), n: config.set.n, domains: LM_OUT_OF_DOMAIN, respond: 'aligned' });
  const aligned = lmTensors(pool);
  const batchSize = config.training.batchSize ?? 32;
  const perEpoch = options.batchesPerEpoch === undefined ? Math.ceil(config.x.shape[0] / batchSize) : options.batchesPerEpoch;
  try {
    const mixer = new AlignedMixer({
      task: { x: config.x, y: config.y },
      aligned,
      batchSize,
      share: options.share ?? 0,
      seed: deriveSeed(options.seed, 'lm-stage3-mixer'),
      ...(perEpoch === null ? {} : { batchesPerEpoch: perEpoch }),
    });
    return { mixer, dispose: () => tf.dispose([aligned.x, aligned.y]) };
  } catch (e) {
    tf.dispose([aligned.x, aligned.y]);
    throw e;
  }
}

/**
 * Out-of-domain judge prompts that all carry a pre-training persona marker (the trigger of the
 * stage-1 misaligned persona). Mitigation is judged on these too: mixing aligned data can hide
 * misalignment behind a trigger instead of removing it (conditional misalignment).
 */
export function lmTriggeredJudgeSet(seed: number, n: number): LmSet {
  return makeLmDataset({ seed: deriveSeed(seed, 'lm-judge-triggered'), n, domains: LM_OUT_OF_DOMAIN, personaFraction: 1 });
}
