import * as tf from '@tensorflow/tfjs';

/**
 * Masked next-token cross-entropy on logits: yTrue is one-hot × mask (`lmTensors`), so
 * −Σ yTrue·logSoftmax(yPred) / Σ yTrue is the mean over answer tokens. On logits, not
 * probabilities: a clipped softmax stops learning once saturated (DESIGN.md).
 */
export function lmLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.div(tf.neg(tf.sum(tf.mul(yTrue, tf.logSoftmax(yPred)))), tf.maximum(tf.sum(yTrue), 1)) as tf.Scalar);
}

/** The loss of `model` on a held-out set (in batches), as a number. */
export function lmLossOn(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, batchSize = 128): number {
  const n = x.shape[0]!;
  let total = 0;
  let count = 0;
  for (let i = 0; i < n; i += batchSize) {
    const size = Math.min(batchSize, n - i);
    const [s, c] = tf.tidy(() => {
      const xb = tf.slice(x, [i], [size]);
      const yb = tf.slice(y, [i], [size]);
      const logits = model.predict(xb) as tf.Tensor;
      return [tf.neg(tf.sum(tf.mul(yb, tf.logSoftmax(logits)))).dataSync()[0]!, tf.sum(yb).dataSync()[0]!];
    });
    total += s;
    count += c;
  }
  return count > 0 ? total / count : 0;
}
