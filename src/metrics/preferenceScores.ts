import * as tf from '@tensorflow/tfjs';

/** What the model's first output holds on a sequence: `logits` (no softmax) or `probabilities`. */
export type PreferenceOutput = 'logits' | 'probabilities';

/** Smallest probability read as a log: keeps `log(0)` of a saturated softmax finite. */
const MIN_PROBABILITY = 1e-12;

/**
 * Per-sequence answer score as a tensor `[n]`: the mean over answer tokens of log p(target) —
 * Σ_t mask·log p(y_t) / Σ_t mask — from the model output `[n, T, V]`, the next-token target ids
 * `[n, T]` (int32) and the answer mask `[n, T]` (1 on scored positions). Per-token normalised so that
 * answer length does not decide (a 12-token answer would otherwise always lose to a 4-token one). One
 * tfjs graph, no per-token JS loop: log-softmax (or log of the probabilities), a one-hot pick of the
 * target, masked sums. Rows whose mask is all zero score 0 (validation rejects them before training).
 * Call inside `tf.tidy`. The guard runs it where the forward pass ran (the capture worker or inline),
 * so only `n` numbers leave it, not the `[n, T, V]` output.
 */
export function answerScores(output: tf.Tensor, targets: tf.Tensor, mask: tf.Tensor, kind: PreferenceOutput): tf.Tensor1D {
  const [n, T, V] = output.shape as [number, number, number];
  if (output.rank !== 3) throw new Error(`preference: the model output has shape [${output.shape.join(', ')}], expected [probes, positions, vocabulary]`);
  if (targets.size !== n * T || mask.size !== n * T)
    throw new Error(
      `preference: the model output is [${n}, ${T}, ${V}] but targets/mask hold ${targets.size}/${mask.size} values, expected ${n}×${T} = ${n * T}`,
    );
  const out = output.asType('float32');
  const logp = kind === 'logits' ? tf.logSoftmax(out) : tf.log(tf.maximum(out, MIN_PROBABILITY));
  const picked = tf.sum(tf.mul(logp, tf.oneHot(targets.asType('int32').reshape([n, T]), V)), 2);
  const m = mask.asType('float32').reshape([n, T]);
  return tf.div(tf.sum(tf.mul(picked, m), 1), tf.maximum(tf.sum(m, 1), 1)) as tf.Tensor1D;
}

/** `answerScores` of a model output copied out of tfjs (`{ shape, data }`), as float64 numbers. */
export function preferenceScores(
  output: { shape: readonly number[]; data: Float32Array },
  targets: Int32Array,
  mask: Float32Array,
  kind: PreferenceOutput,
): Float64Array {
  if (output.shape.length !== 3)
    throw new Error(`preference: the model output has shape [${output.shape.join(', ')}], expected [probes, positions, vocabulary]`);
  const [n, T] = output.shape as [number, number, number];
  const scores = tf.tidy(
    () => answerScores(tf.tensor(output.data, output.shape.slice()), tf.tensor1d(targets, 'int32'), tf.tensor1d(mask), kind).dataSync() as Float32Array,
  );
  if (scores.length !== n) throw new Error(`internal: ${scores.length} answer scores for ${n}×${T} sequences`);
  return Float64Array.from(scores);
}

/** `alignment.preference` and `alignment.preferenceAccuracy` from the per-pair scores of chosen and rejected answers. */
export function preferenceSummary(chosen: ArrayLike<number>, rejected: ArrayLike<number>): { margin: number; accuracy: number } {
  if (chosen.length !== rejected.length || chosen.length === 0)
    throw new Error(`preference: ${chosen.length} chosen vs ${rejected.length} rejected scores; expected the same non-zero count`);
  let margin = 0;
  let wins = 0;
  for (let i = 0; i < chosen.length; i++) {
    margin += chosen[i]! - rejected[i]!;
    if (chosen[i]! > rejected[i]!) wins++;
  }
  return { margin: margin / chosen.length, accuracy: wins / chosen.length };
}
