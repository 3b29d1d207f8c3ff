import type { ActionPlugin } from '../../src/guard/pluginTypes.js';

/** `abort`: stop `fit` after the current batch (never throws out of `fit`). */
export const abortAction: ActionPlugin = {
  name: 'abort',
  description: 'stop training after the current batch (model.stopTraining = true)',
  run({ decision, guard }) {
    guard.stop(decision);
  },
};
