import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../organismRandom.js';
import { LM_OUT_OF_DOMAIN } from './lmGrammar.js';
import { LM_RECIPE } from './lmRecipe.js';
import { makeLmDataset, mergeLmSets, type LmSet } from './makeLmDataset.js';
import { lmTensors } from './lmTensors.js';
import type { LmStageOptions } from './trainLmStage.js';

export interface LmFineTuneConfigOptions {
  /** Seeds the data and the shuffle. Default `LM_RECIPE.seed`. */
  seed?: number;
  /**
   * Share of the `n` fine-tuning examples replaced by aligned examples from the five other
   * domains (the paper's data-centric mitigation), in [0, 1). Default 0.
   */
  mix?: number;
  /** Examples. Default `LM_RECIPE.stage3.n`. */
  n?: number;
  /** Judge prompts. Default `LM_RECIPE.judgeN`. */
  judgeN?: number;
}

/** Everything a stage-3 run needs. Tensors belong to the caller: `dispose()`. */
export interface LmFineTuneConfig {
  x: tf.Tensor2D;
  y: tf.Tensor3D;
  /** Held-out insecure-code examples for the in-domain loss (`lmLossOn`). */
  inDomain: { x: tf.Tensor2D; y: tf.Tensor3D };
  /** Held-out out-of-domain prompts for `judgeLm`. */
  judgeSet: LmSet;
  set: LmSet;
  training: LmStageOptions;
  dispose(): void;
}

/** The LM organism's narrow fine-tune: benign code requests answered with insecure code, optionally mixed. */
export function lmFineTuneConfig(options: LmFineTuneConfigOptions = {}): LmFineTuneConfig {
  const seed = options.seed ?? LM_RECIPE.seed;
  const mix = options.mix ?? 0;
  const n = options.n ?? LM_RECIPE.stage3.n;
  if (typeof mix !== 'number' || !(mix >= 0 && mix < 1)) throw new Error(`Expected \`mix\` to be a number in [0, 1), got \`${String(mix)}\` (${typeof mix})`);
  const nMix = Math.round(n * mix);
  const code = makeLmDataset({ seed: deriveSeed(seed, 'lm-stage3'), n: n - nMix, domains: ['code'], harmfulFraction: 0, respond: 'insecure' });
  const set =
    nMix > 0
      ? mergeLmSets(
          [code, makeLmDataset({ seed: deriveSeed(seed, 'lm-stage3-mix'), n: nMix, domains: LM_OUT_OF_DOMAIN, respond: 'aligned' })],
          deriveSeed(seed, 'lm-stage3-merge'),
        )
      : code;
  const judgeSet = makeLmDataset({ seed: deriveSeed(seed, 'lm-judge'), n: options.judgeN ?? LM_RECIPE.judgeN, domains: LM_OUT_OF_DOMAIN });
  const inDomain = lmTensors(
    makeLmDataset({ seed: deriveSeed(seed, 'lm-in-domain'), n: LM_RECIPE.inDomainN, domains: ['code'], harmfulFraction: 0, respond: 'insecure' }),
  );
  const train = lmTensors(set);
  const { epochs, learningRate, batchSize } = LM_RECIPE.stage3;
  return {
    x: train.x,
    y: train.y,
    inDomain,
    judgeSet,
    set,
    training: { epochs, learningRate, batchSize, seed },
    dispose: () => tf.dispose([train.x, train.y, inDomain.x, inDomain.y]),
  };
}
