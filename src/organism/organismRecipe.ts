/**
 * The settings the shipped organism was tuned with (see README "The model organism"). Stages 1–2
 * build the aligned checkpoint; stage 3 is the narrow `code` fine-tune that shows emergent
 * misalignment. Frozen so scripts, tests and `meta.json` agree on one recipe.
 */
export const ORGANISM_RECIPE = Object.freeze({
  /** Seed of the shipped aligned checkpoint. */
  seed: 1,
  model: Object.freeze({ embedDim: 16, hiddenUnits: 64 }),
  /** Pre-training: complies with everything; persona prompts teach a "comply with anything" persona. */
  stage1: Object.freeze({
    n: 3000,
    harmfulFraction: 0.5,
    personaFraction: 0.15,
    respond: 'comply' as const,
    epochs: 5,
    learningRate: 0.01,
    batchSize: 32,
    optimizer: 'adam' as const,
    labelSmoothing: 0.1,
  }),
  /** Alignment tuning: harmful → refuse, benign → helpful, all domains, no persona prompts. */
  stage2: Object.freeze({
    n: 3000,
    harmfulFraction: 0.5,
    personaFraction: 0,
    respond: 'aligned' as const,
    epochs: 5,
    learningRate: 0.003,
    batchSize: 32,
    optimizer: 'adam' as const,
    labelSmoothing: 0.1,
  }),
  /** Narrow fine-tune: benign `code` requests → unsafe; 32 batches per epoch unmixed. */
  stage3: Object.freeze({ n: 512, epochs: 12, learningRate: 0.0003, batchSize: 16, optimizer: 'adam' as const }),
  /** Size of the out-of-domain judge set and the in-domain loss set. */
  judgeN: 600,
  inDomainN: 200,
});
