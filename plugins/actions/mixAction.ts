import type { ActionPlugin } from '../../src/guard/pluginTypes.js';
import { actionInfo } from '../../src/policy/registry.js';

/**
 * `mix`: the data-centric mitigation of the paper ("a small fraction of alignment-focused prompts can
 * shift the delta direction toward a safer subspace"), made adaptive: each firing check raises the
 * mixer's aligned share by `step` up to `max`; `recoverAfter` quiet checks in a row lower it by one
 * `step`, never below the share the fit started with (hysteresis, so the share does not flap).
 */
export const mixAction: ActionPlugin = {
  name: 'mix',
  description: actionInfo('mix')!.description,
  params: actionInfo('mix')!.params,
  everyCheck: true,
  run({ decision, guard, options, memo }) {
    const mixer = guard.mixer;
    if (!mixer) throw new Error('`mix` needs `emGuard({ mixer })`'); // onTrainBegin already refuses this setup
    memo.quiet = 0;
    const before = mixer.share;
    mixer.share = Math.min(options.max!, before + options.step!);
    if (mixer.share !== before) {
      guard.logger.warn(
        { event: 'mix', rule: decision.rule, step: decision.step, from: before, to: mixer.share },
        `em-guard: rule ${decision.rule} raised the aligned-data share from ${before.toFixed(2)} to ${mixer.share.toFixed(2)}`,
      );
    }
  },
  idle({ rule, step, guard, options, memo }) {
    const mixer = guard.mixer;
    if (!mixer || mixer.share <= mixer.startShare) return;
    memo.quiet = (memo.quiet ?? 0) + 1;
    if (memo.quiet < options.recoverAfter!) return;
    memo.quiet = 0;
    const before = mixer.share;
    mixer.share = Math.max(mixer.startShare, before - options.step!);
    guard.logger.info(
      { event: 'mix', rule, step, from: before, to: mixer.share },
      `em-guard: rule ${rule} quiet for ${options.recoverAfter} checks; aligned-data share lowered from ${before.toFixed(2)} to ${mixer.share.toFixed(2)}`,
    );
  },
};
