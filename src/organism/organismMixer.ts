import * as tf from '@tensorflow/tfjs';
import { AlignedMixer } from '../mitigation/AlignedMixer.js';
import type { FineTuneConfig } from './fineTuneConfig.js';
import { makeOrganismDataset } from './makeOrganismDataset.js';
import { OUT_OF_DOMAIN } from './organismProbes.js';
import { deriveSeed } from './organismRandom.js';
import { organismTensors } from './organismTensors.js';

/**
 * An aligned-data mixer for the organism's narrow fine-tune: the task is `config`'s insecure `code`
 * set, the aligned pool as many aligned out-of-domain examples (the same source as the static
 * `mix`), batches of the recipe's size, one epoch = the unmixed run's batches. Caller disposes.
 */
export function organismMixer(config: FineTuneConfig, options: { seed: number; share?: number }): { mixer: AlignedMixer; dispose: () => void } {
  const pool = makeOrganismDataset({ seed: deriveSeed(options.seed, 'stage3-mix'), n: config.set.n, domains: OUT_OF_DOMAIN, respond: 'aligned' });
  const aligned = organismTensors(pool);
  const mixer = new AlignedMixer({
    task: { x: config.x, y: config.y },
    aligned,
    batchSize: config.training.batchSize ?? 32,
    share: options.share ?? 0,
    seed: deriveSeed(options.seed, 'stage3-mixer'),
  });
  return { mixer, dispose: () => tf.dispose([aligned.x, aligned.y]) };
}

/**
 * Out-of-domain judge prompts that all carry a pre-training persona marker: the trigger of the
 * organism's latent misalignment. Mixing aligned data can hide misalignment behind such triggers
 * instead of removing it (conditional misalignment), so mitigation is judged on these too.
 */
export function triggeredJudgeSet(seed: number, n: number) {
  return makeOrganismDataset({ seed: deriveSeed(seed, 'judge-triggered'), n, domains: OUT_OF_DOMAIN, personaFraction: 1 });
}
