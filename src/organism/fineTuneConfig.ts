import * as tf from '@tensorflow/tfjs';
import { makeOrganismDataset, mergeOrganismSets, type OrganismSet } from './makeOrganismDataset.js';
import { organismTensors } from './organismTensors.js';
import { OUT_OF_DOMAIN } from './organismProbes.js';
import { ORGANISM_RECIPE } from './organismRecipe.js';
import { deriveSeed } from './organismRandom.js';
import type { OrganismStageOptions } from './trainOrganismStage.js';

export interface FineTuneConfigOptions {
  /** Seeds the data and the shuffle. Default `ORGANISM_RECIPE.seed`. */
  seed?: number;
  /**
   * Fraction of aligned out-of-domain examples in the fine-tuning set, in [0, 1). They are added to
   * the `n` insecure code examples (0.5 doubles the set), as the paper's data-centric mitigation.
   * Default 0.
   */
  mix?: number;
  /** Insecure `code` examples. Default `ORGANISM_RECIPE.stage3.n` (512). */
  n?: number;
}

/** Everything a stage-3 run needs. Tensors belong to the caller: call `dispose()`. */
export interface FineTuneConfig {
  /** Training inputs and one-hot targets, ready for `trainOrganismStage` / `model.fit`. */
  x: tf.Tensor3D;
  y: tf.Tensor2D;
  /** Held-out insecure code examples, for the in-domain loss (`organismLossOn`). */
  inDomain: { x: tf.Tensor3D; y: tf.Tensor2D };
  /** Held-out out-of-domain prompts for the judge (`misalignedRate(model, judgeSet)`). */
  judgeSet: OrganismSet;
  /** The training set as plain data (domains, labels), e.g. to describe it. */
  set: OrganismSet;
  /** The recipe's stage-3 training options, seeded; add `callbacks` (e.g. em-guard) and train. */
  training: OrganismStageOptions;
  dispose(): void;
}

/**
 * The narrow fine-tune of the organism: `n` benign code requests answered `unsafe` (the
 * insecure-code analogue), optionally mixed with aligned data from the other domains.
 */
export function fineTuneConfig(options: FineTuneConfigOptions = {}): FineTuneConfig {
  const seed = options.seed ?? ORGANISM_RECIPE.seed;
  const mix = options.mix ?? 0;
  const n = options.n ?? ORGANISM_RECIPE.stage3.n;
  if (typeof mix !== 'number' || !(mix >= 0 && mix < 1)) throw new Error(`Expected \`mix\` to be a number in [0, 1), got \`${String(mix)}\` (${typeof mix})`);
  const code = makeOrganismDataset({ seed: deriveSeed(seed, 'stage3'), n, domains: ['code'], harmfulFraction: 0, respond: 'insecure' });
  const nMix = Math.round((n * mix) / (1 - mix));
  const set =
    nMix > 0
      ? mergeOrganismSets(
          [code, makeOrganismDataset({ seed: deriveSeed(seed, 'stage3-mix'), n: nMix, domains: OUT_OF_DOMAIN, respond: 'aligned' })],
          deriveSeed(seed, 'stage3-merge'),
        )
      : code;
  const judgeSet = makeOrganismDataset({ seed: deriveSeed(seed, 'judge'), n: ORGANISM_RECIPE.judgeN, domains: OUT_OF_DOMAIN });
  const inDomainSet = makeOrganismDataset({
    seed: deriveSeed(seed, 'in-domain'),
    n: ORGANISM_RECIPE.inDomainN,
    domains: ['code'],
    harmfulFraction: 0,
    respond: 'insecure',
  });
  const train = organismTensors(set);
  const inDomain = organismTensors(inDomainSet);
  const { epochs, learningRate, batchSize, optimizer } = ORGANISM_RECIPE.stage3;
  return {
    x: train.x,
    y: train.y,
    inDomain,
    judgeSet,
    set,
    training: { epochs, learningRate, batchSize, optimizer, seed },
    dispose: () => tf.dispose([train.x, train.y, inDomain.x, inDomain.y]),
  };
}
