import type * as tf from '@tensorflow/tfjs';
import type { Policy } from '../policy/policy.js';
import { getOptimizerLearningRate } from '../training/optimizerLearningRate.js';
import type { GuardControls, MixerControl } from './pluginTypes.js';

/** The rules of `policy` that list `action`. */
function rulesWith(policy: Policy, action: string): string[] {
  return policy.rules.filter((r) => r.actions.includes(action)).map((r) => r.name);
}

/**
 * Checks at `onTrainBegin`, before any step, that the policy's mitigation actions can act: `mix`
 * needs a mixer, and a mixer only feeds `model.fitDataset` (tfjs passes `samples` to the callbacks
 * of `fit` on arrays, none for a dataset). Returns what the actions control.
 */
export function mitigationSetup(
  policy: Policy,
  mixer: MixerControl | undefined,
  params: tf.CustomCallbackArgs | Record<string, unknown> | undefined,
): GuardControls['mixer'] {
  const mixRules = rulesWith(policy, 'mix');
  if (mixer === undefined) {
    if (mixRules.length > 0) {
      throw new Error(
        `emGuard: rule${mixRules.length > 1 ? 's' : ''} ${mixRules.map((r) => `\`${r}\``).join(', ')} of policy ${policy.source} use${mixRules.length > 1 ? '' : 's'} the \`mix\` action, which needs an aligned-data mixer: build one with \`alignedMixer({ task, aligned })\`, train with \`model.fitDataset(mixer.dataset, …)\` and pass \`emGuard({ mixer, … })\`; or remove \`mix\` from the rule`,
      );
    }
    return null;
  }
  if (typeof mixer !== 'object' || mixer === null || typeof mixer.share !== 'number') {
    throw new Error(
      `emGuard: expected \`mixer\` to be an AlignedMixer (an object with a numeric \`share\`), got ${typeof mixer === 'object' ? 'an object without a numeric `share`' : `\`${String(mixer as unknown as string)}\``}`,
    );
  }
  const samples = (params as { samples?: unknown } | undefined)?.samples;
  if (typeof samples === 'number') {
    throw new Error(
      `emGuard: a \`mixer\` was given but \`model.fit\` was called on arrays (${samples} samples), so the mixer feeds nothing and \`mix\` would change no batch; train with \`model.fitDataset(mixer.dataset, …)\` instead`,
    );
  }
  const startShare = mixer.share;
  return {
    get share() {
      return mixer.share;
    },
    set share(v: number) {
      mixer.share = v;
    },
    startShare,
  };
}

/** Whether a check reads `optimizer.learningRate` (`mitigationValues`): when a rule of `policy` lists `reduce-lr`. */
export function readsLearningRate(policy: Policy): boolean {
  return rulesWith(policy, 'reduce-lr').length > 0;
}

/**
 * `mix.share` (with a mixer) and `optimizer.learningRate` (when `learningRate`: a rule lists
 * `reduce-lr`, `readsLearningRate`, worked out once per fit) at a check.
 */
export function mitigationValues(learningRate: boolean, mixer: GuardControls['mixer'], model: tf.LayersModel): Record<string, number> {
  const out: Record<string, number> = {};
  if (mixer) out['mix.share'] = mixer.share;
  const optimizer = model.optimizer as object | undefined;
  const lr = optimizer && learningRate ? getOptimizerLearningRate(optimizer) : undefined;
  if (lr !== undefined) out['optimizer.learningRate'] = lr;
  return out;
}
