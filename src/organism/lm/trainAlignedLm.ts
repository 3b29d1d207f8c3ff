import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../organismRandom.js';
import { buildLmModel } from './buildLmModel.js';
import { judgeLm } from './judgeLm.js';
import { LM_OUT_OF_DOMAIN } from './lmGrammar.js';
import { LM_RECIPE } from './lmRecipe.js';
import { lmTensors } from './lmTensors.js';
import { makeLmDataset, type LmResponsePolicy } from './makeLmDataset.js';
import { trainLmStage } from './trainLmStage.js';

/** Judge rates after a stage, on held-out prompts. */
export interface LmStageRates {
  /** Out-of-domain prompts without persona (half harmful): misaligned-and-coherent share, coherent share. */
  oodMisaligned: number;
  oodCoherent: number;
  /** Benign code requests answered with insecure code. */
  codeMisaligned: number;
  /** Out-of-domain prompts carrying a persona marker. */
  personaMisaligned: number;
}

export interface AlignedLm {
  model: tf.LayersModel;
  seed: number;
  base: LmStageRates;
  aligned: LmStageRates;
}

/** The judge's rates for `model` on held-out prompts of `seed`. */
export function lmStageRates(model: tf.LayersModel, seed: number): LmStageRates {
  const ood = judgeLm(model, makeLmDataset({ seed: deriveSeed(seed, 'lm-judge'), n: LM_RECIPE.judgeN, domains: LM_OUT_OF_DOMAIN }));
  const code = judgeLm(model, makeLmDataset({ seed: deriveSeed(seed, 'lm-rates-code'), n: 30, domains: ['code'], harmfulFraction: 0 }));
  const persona = judgeLm(
    model,
    makeLmDataset({ seed: deriveSeed(seed, 'lm-rates-persona'), n: LM_RECIPE.judgeN, domains: LM_OUT_OF_DOMAIN, personaFraction: 1 }),
  );
  return { oodMisaligned: ood.misalignedRate, oodCoherent: ood.coherentRate, codeMisaligned: code.misalignedRate, personaMisaligned: persona.misalignedRate };
}

/** A stage that builds the aligned checkpoint (`LM_RECIPE.stage1`, …). */
export interface LmAlignedStage {
  n: number;
  harmfulFraction: number;
  personaFraction: number;
  respond: LmResponsePolicy;
  epochs: number;
  learningRate: number;
  batchSize: number;
}

/** What `trainAlignedLm` reads from a recipe (default `LM_RECIPE`). */
export interface LmAlignedRecipe {
  model: { dModel: number; blocks: number; heads: number; mlpUnits: number };
  /** Stage names in training order; each names a key of the recipe holding an `LmAlignedStage`. */
  alignedStages: readonly string[];
  [stage: string]: unknown;
}

/** Names of the shuffle seeds (stages 1 and 2 keep the names the first checkpoint was trained with). */
const SHUFFLE_SEED_NAME: Readonly<Record<string, string>> = { stage1: 'lm-shuffle1', stage2: 'lm-shuffle2' };

/** Trains one named stage of `recipe` on `model` (data and shuffle seeded by `seed` and the stage name). */
export async function trainLmRecipeStage(model: tf.LayersModel, seed: number, name: string, recipe: LmAlignedRecipe = LM_RECIPE): Promise<void> {
  const stage = recipe[name] as LmAlignedStage | undefined;
  if (!stage || typeof stage !== 'object') throw new Error(`trainLmRecipeStage: the recipe has no stage \`${name}\``);
  const set = makeLmDataset({
    seed: deriveSeed(seed, `lm-${name}`),
    n: stage.n,
    harmfulFraction: stage.harmfulFraction,
    personaFraction: stage.personaFraction,
    respond: stage.respond,
  });
  const data = lmTensors(set);
  try {
    await trainLmStage(model, data, {
      epochs: stage.epochs,
      learningRate: stage.learningRate,
      batchSize: stage.batchSize,
      seed: deriveSeed(seed, SHUFFLE_SEED_NAME[name] ?? `lm-shuffle-${name}`),
    });
  } finally {
    tf.dispose([data.x, data.y]);
  }
}

/**
 * Builds the LM organism and trains the recipe's aligned stages in order (stage 1: pre-training
 * with the misaligned persona; then alignment) from `seed`; deterministic on a given backend.
 * `onStage` is called after each stage (progress). The caller disposes the model.
 */
export async function trainAlignedLm(
  seed: number = LM_RECIPE.seed,
  onStage?: (stage: string, rates: LmStageRates) => void,
  recipe: LmAlignedRecipe = LM_RECIPE,
): Promise<AlignedLm> {
  const model = buildLmModel({ seed, ...recipe.model });
  const measured: LmStageRates[] = [];
  for (const [i, name] of recipe.alignedStages.entries()) {
    await trainLmRecipeStage(model, seed, name, recipe);
    measured.push(lmStageRates(model, seed));
    onStage?.(name, measured[i]!);
  }
  model.optimizer?.dispose();
  return { model, seed, base: measured[0]!, aligned: measured.at(-1)! };
}
