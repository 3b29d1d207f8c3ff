/**
 * Reads and writes an optimizer's learning rate across tfjs' inconsistent storage:
 * - `tf.train.sgd` / `momentum` keep a kept scalar tensor `c = −lr` used in the update, so assigning
 *   `learningRate` alone changes nothing; they expose `setLearningRate(lr)`, which rebuilds `c`.
 * - adam, adamax, rmsprop, adagrad, adadelta read the plain number `learningRate` at every
 *   `applyGradients`, so assigning the (TS-protected) property works.
 * - em-guard's AdamW / Lion have a public `learningRate` and `setLearningRate`.
 */
export function setOptimizerLearningRate(optimizer: object, learningRate: number): void {
  const target = optimizer as { setLearningRate?: unknown; learningRate?: unknown; getClassName?: () => string };
  if (typeof target.setLearningRate === 'function') {
    (target.setLearningRate as (lr: number) => void).call(optimizer, learningRate);
    return;
  }
  if (typeof target.learningRate === 'number') {
    target.learningRate = learningRate;
    return;
  }
  const name = typeof target.getClassName === 'function' ? target.getClassName() : optimizer.constructor?.name;
  throw new TypeError(
    `lrSchedule: optimizer ${name ?? 'object'} has neither setLearningRate() nor a numeric learningRate property; use a tf.train optimizer, AdamW or Lion`,
  );
}

/** The optimizer's current learning rate, or `undefined` when it does not expose one. */
export function getOptimizerLearningRate(optimizer: object): number | undefined {
  const lr = (optimizer as { learningRate?: unknown }).learningRate;
  return typeof lr === 'number' ? lr : undefined;
}
