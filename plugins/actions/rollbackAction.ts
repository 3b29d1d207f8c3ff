import type { ActionPlugin } from '../../src/guard/pluginTypes.js';

/** `rollback`: restore the last safe weights (and optimizer state when saved) into the model in memory. */
export const rollbackAction: ActionPlugin = {
  name: 'rollback',
  description: 'restore the last safe checkpoint into the model in memory (and the optimizer state when saved)',
  async run({ decision, guard }) {
    await guard.rollback(`rule ${decision.rule}`);
  },
};
