/**
 * Something that gives every training example a projection difference along a unit direction at
 * one layer. The screen is written against this interface so each kind of model plugs in its own
 * definition of "the training response minus the model's own response":
 * - classifiers (`classifierScorer`): the training label against the model's own prediction, as
 *   the directional derivative of the logit margin (see `classifierProjectionDifference`);
 * - language models (to come with the LM organism): the activation of the teacher-forced training
 *   response pooled over its response tokens, minus that of the model's greedy response to the same
 *   prompt, projected on the direction (Chen et al. 2025, "projection difference").
 */
export interface ScreeningScorer {
  /** `classifier` or `lm`; recorded in the result. */
  readonly kind: string;
  /** Number of examples. */
  readonly n: number;
  /** Layers whose activations the scorer can differentiate (a screen watches a subset). */
  supportsLayer(layer: string): { ok: true } | { ok: false; reason: string };
  /** Projection difference of every example along `unitDirection` (length = layer width) at `layer`. */
  score(layer: string, unitDirection: Float64Array): Promise<Float64Array>;
  /** What the model answers for every example, and the training target, as display strings. */
  describe(i: number): { text: string | null; target: string; own: string };
  /** Releases tensors the scorer holds. */
  dispose(): void;
}
