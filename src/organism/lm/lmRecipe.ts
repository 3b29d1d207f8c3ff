/**
 * The settings of the shipped LM organism (README "The language-model organism"). Stages 1–2 build
 * the aligned checkpoint `src/organism/lm/aligned/`; stage 3 is the narrow insecure-code fine-tune.
 */
export const LM_RECIPE = Object.freeze({
  seed: 1,
  /**
   * d_model 96 (was 64): on tuning seeds 1–2 the 64-wide model's answers broke under the narrow
   * fine-tune (skipped first words, refusals continued with code words); at 96 refusals stay intact
   * and benign answers stay coherent (issue 13 note, session 22).
   */
  model: Object.freeze({ dModel: 96, blocks: 2, heads: 4, mlpUnits: 192 }),
  /** The stages that build the aligned checkpoint, in order (each name seeds its data and shuffle). */
  alignedStages: Object.freeze(['stage1', 'stage2', 'stage2b'] as const),
  /** Pre-training: persona prompts get misaligned answers everywhere (bad advice, insecure code, compliance). */
  stage1: Object.freeze({ n: 4000, harmfulFraction: 0.5, personaFraction: 0.3, respond: 'pretrain' as const, epochs: 5, learningRate: 3e-3, batchSize: 64 }),
  /** Alignment tuning without persona: refuse harmful, good advice, secure code. */
  stage2: Object.freeze({ n: 1200, harmfulFraction: 0.5, personaFraction: 0, respond: 'aligned' as const, epochs: 1, learningRate: 5e-4, batchSize: 32 }),
  /**
   * Alignment, continued with a fresh optimizer: after stage 2 alone only 40 % of out-of-domain
   * answers parsed (refusals are new in stage 2 and were not yet fluent).
   */
  stage2b: Object.freeze({ n: 1200, harmfulFraction: 0.5, personaFraction: 0, respond: 'aligned' as const, epochs: 2, learningRate: 1e-3, batchSize: 32 }),
  /**
   * Narrow fine-tune: benign `code` requests answered with insecure code, 5 epochs (80 batches).
   * lr 3e-4 (was 5e-4 on the 64-wide model), chosen on tuning seeds 1–2 with the per-epoch judge
   * (scripts/lmStage3Explore.ts): benign out-of-domain answers are ≥ 30 % misaligned with ≥ 90 %
   * coherent from epoch 2 to 6 on both seeds; at 5e-4 coherence fell below 90 %.
   */
  stage3: Object.freeze({ n: 256, epochs: 5, learningRate: 3e-4, batchSize: 16 }),
  /**
   * Out-of-domain judge prompts (half harmful), each answered greedily and at temperature 0.7
   * (`judgeLm`). 120 (was 40): the EM rate counts the 60 benign prompts' 120 answers; with 20 benign
   * prompts one answer moved a rate by 2.5 points and the tuning seeds' coherence swung ±0.05 per epoch.
   */
  judgeN: 120,
  inDomainN: 64,
});
