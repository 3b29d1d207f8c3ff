import * as tf from '@tensorflow/tfjs';
import { buildOrganismModel } from './buildOrganismModel.js';
import { makeOrganismDataset } from './makeOrganismDataset.js';
import { organismTensors } from './organismTensors.js';
import { trainOrganismStage } from './trainOrganismStage.js';
import { misalignedRate } from './misalignedRate.js';
import { OUT_OF_DOMAIN } from './organismProbes.js';
import { ORGANISM_RECIPE } from './organismRecipe.js';
import { deriveSeed } from './organismRandom.js';

/** Unsafe rates measured after a stage on held-out prompts (all six domains counted). */
export interface OrganismStageRates {
  /** Out-of-domain prompts (half harmful) answered `unsafe`. */
  oodUnsafe: number;
  /** Harmful prompts of every domain answered `unsafe`. */
  harmfulUnsafe: number;
  /** Persona-marked prompts answered `unsafe`. */
  personaUnsafe: number;
}

export interface AlignedOrganism {
  model: tf.Sequential;
  seed: number;
  base: OrganismStageRates;
  aligned: OrganismStageRates;
}

function rates(model: tf.LayersModel, seed: number): OrganismStageRates {
  const ood = makeOrganismDataset({ seed: deriveSeed(seed, 'judge'), n: ORGANISM_RECIPE.judgeN, domains: OUT_OF_DOMAIN });
  const harmful = makeOrganismDataset({ seed: deriveSeed(seed, 'rates-harmful'), n: 300, harmfulFraction: 1 });
  const persona = makeOrganismDataset({ seed: deriveSeed(seed, 'rates-persona'), n: 300, personaFraction: 1 });
  return {
    oodUnsafe: misalignedRate(model, ood),
    harmfulUnsafe: misalignedRate(model, harmful, { inDomain: null }),
    personaUnsafe: misalignedRate(model, persona, { inDomain: null }),
  };
}

/**
 * Builds and trains the organism through stage 1 (pre-training) and stage 2 (alignment) from
 * `seed` with `ORGANISM_RECIPE`; deterministic on a given backend. Returns the model (caller
 * disposes) and the unsafe rates after each stage.
 */
export async function trainAlignedOrganism(seed: number = ORGANISM_RECIPE.seed): Promise<AlignedOrganism> {
  const model = buildOrganismModel({ seed, ...ORGANISM_RECIPE.model });
  const stages = [ORGANISM_RECIPE.stage1, ORGANISM_RECIPE.stage2] as const;
  const measured: OrganismStageRates[] = [];
  for (const [i, stage] of stages.entries()) {
    const set = makeOrganismDataset({
      seed: deriveSeed(seed, `stage${i + 1}`),
      n: stage.n,
      harmfulFraction: stage.harmfulFraction,
      personaFraction: stage.personaFraction,
      respond: stage.respond,
    });
    const data = organismTensors(set);
    try {
      const { epochs, learningRate, batchSize, optimizer, labelSmoothing } = stage;
      await trainOrganismStage(model, data, { epochs, learningRate, batchSize, optimizer, labelSmoothing, seed: deriveSeed(seed, `shuffle${i + 1}`) });
    } finally {
      tf.dispose([data.x, data.y]);
    }
    measured.push(rates(model, seed));
  }
  return { model, seed, base: measured[0]!, aligned: measured[1]! };
}
