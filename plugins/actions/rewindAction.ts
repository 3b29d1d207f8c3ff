import type { ActionPlugin } from '../../src/guard/pluginTypes.js';
import { actionInfo } from '../../src/policy/registry.js';

/**
 * `rewind`: restore the last safe checkpoint and keep training, so the other mitigations of the rule
 * (`mix`, `reduce-lr`) act on safe weights instead of the drifted ones. A run that keeps drifting
 * back is not converging to a safe model: after `maxRewinds` rewinds in one fit, it stops training.
 */
export const rewindAction: ActionPlugin = {
  name: 'rewind',
  description: actionInfo('rewind')!.description,
  params: actionInfo('rewind')!.params,
  async run({ decision, guard, options, memo }) {
    memo.rewinds = (memo.rewinds ?? 0) + 1;
    if (memo.rewinds > options.maxRewinds!) {
      guard.logger.error(
        { event: 'rewind-limit', rule: decision.rule, step: decision.step, rewinds: memo.rewinds - 1 },
        `em-guard: rule ${decision.rule} fired again after ${memo.rewinds - 1} rewinds; stopping training`,
      );
      guard.stop(decision);
      await guard.rollback(`rule ${decision.rule} (rewind limit)`);
      return;
    }
    await guard.rollback(`rule ${decision.rule} (rewind ${memo.rewinds} of ${options.maxRewinds})`);
  },
};
