import type { ActionPlugin } from '../../src/guard/pluginTypes.js';
import { actionInfo } from '../../src/policy/registry.js';
import { getOptimizerLearningRate, setOptimizerLearningRate } from '../../src/training/optimizerLearningRate.js';

/**
 * `reduce-lr`: multiply the learning rate by `factor` once per firing episode, with a floor `min`,
 * like Keras `ReduceLROnPlateau` (there triggered by a plateau, here by a rule).
 */
export const reduceLrAction: ActionPlugin = {
  name: 'reduce-lr',
  description: actionInfo('reduce-lr')!.description,
  params: actionInfo('reduce-lr')!.params,
  run({ decision, guard, model, options }) {
    const optimizer = model.optimizer as object | undefined;
    const lr = optimizer ? getOptimizerLearningRate(optimizer) : undefined;
    if (!optimizer || lr === undefined)
      throw new Error('`reduce-lr` needs a compiled model whose optimizer exposes a numeric learningRate (tf.train optimizers, AdamW, Lion)');
    const next = Math.max(options.min!, lr * options.factor!);
    if (next >= lr) return;
    setOptimizerLearningRate(optimizer, next);
    guard.logger.warn(
      { event: 'reduce-lr', rule: decision.rule, step: decision.step, from: lr, to: next },
      `em-guard: rule ${decision.rule} reduced the learning rate from ${lr} to ${next}`,
    );
  },
};
