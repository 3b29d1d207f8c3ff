import type { ActionPlugin } from '../../src/guard/pluginTypes.js';

/** `checkpoint`: save the current (breaching, so unsafe) weights for later inspection. */
export const checkpointAction: ActionPlugin = {
  name: 'checkpoint',
  description: 'write a checkpoint of the current weights (marked unsafe: a rule is firing)',
  async run({ decision, guard }) {
    await guard.checkpoint(`rule ${decision.rule}`, false);
  },
};
