import * as tf from '@tensorflow/tfjs';

/**
 * The organism's training loss: softmax cross-entropy on logits (`tf.losses.softmaxCrossEntropy`),
 * which keeps gradients alive where a clipped softmax + categoricalCrossentropy would saturate.
 */
export function organismLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.losses.softmaxCrossEntropy(yTrue, yPred);
}

/**
 * The same loss with label smoothing: the pre-training and alignment stages use it so their logit
 * margins stay bounded (about ln((1−s+s/3)/(s/3))) and a later fine-tune moves them gradually.
 */
export function smoothedOrganismLoss(labelSmoothing: number): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  if (labelSmoothing === 0) return organismLoss;
  return (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred, undefined, labelSmoothing);
}

/** Mean loss of `model` on `(x, y)` as a number, e.g. the in-domain loss of a fine-tune. */
export function organismLossOn(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(() => organismLoss(y, model.predict(x) as tf.Tensor).dataSync()[0]!);
}
