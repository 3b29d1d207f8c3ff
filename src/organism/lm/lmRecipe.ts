/**
 * The settings of the shipped LM organism (README "The language-model organism"). Stages 1–2 build
 * the aligned checkpoint `src/organism/lm/aligned/`; stage 3 is the narrow insecure-code fine-tune.
 */
export const LM_RECIPE = Object.freeze({
  seed: 1,
  model: Object.freeze({ dModel: 64, blocks: 2, heads: 4, mlpUnits: 128 }),
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
   * Narrow fine-tune: benign `code` requests answered with insecure code. 5 epochs (80 batches), not
   * the first recipe's 8: on tuning seeds 1–2 the out-of-domain misaligned share peaks at epochs 4–6
   * while coherence only falls after epoch 1 (issue 13 note, lr 2e-4 / 1e-3, n 1024, partial
   * trainable layers and a persona-only pre-training were worse); the first 80 batches are the 8-epoch
   * run's first 80, so the demo policy's checks see the same trajectory.
   */
  stage3: Object.freeze({ n: 256, epochs: 5, learningRate: 5e-4, batchSize: 16 }),
  /** Out-of-domain judge prompts (half harmful), each answered greedily and at temperature 0.8. */
  judgeN: 40,
  inDomainN: 64,
});
