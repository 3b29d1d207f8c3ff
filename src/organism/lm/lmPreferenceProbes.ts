import * as tf from '@tensorflow/tfjs';
import type { PreferenceProbes } from '../../probes/probeTypes.js';
import type { LmProbes } from './lmProbes.js';

/**
 * The LM organism's preference pairs as `probes.preference`: `lmProbes` stacks n prompt+aligned
 * answers over the same n prompts with misaligned answers, targets as one-hot × mask; this splits
 * them into `chosen` / `rejected` with target ids (`[n, T]`, int32) and answer masks (`[n, T]`).
 * Positions after the last answer token of every row (padding in both sets) are dropped: the
 * organism is causal (attention masks the future, everything else is per position), so the scored
 * positions do not depend on them, the scores are the same (test/lmGuard.test.ts) and each check's
 * preference forward pass is shorter (T 36 → 31 for `lmProbes({ seed: 2, n: 64 })`, ≈ 20 % less CPU).
 * New tensors, the caller's (`disposePreferenceProbes`); `p` stays untouched.
 */
export function lmPreferenceProbes(p: LmProbes): PreferenceProbes {
  const n = p.alignment.inputs.shape[0] / 2;
  const answered = tf.tidy(() => tf.sum(p.targets, [0, 2]).dataSync());
  let length = answered.length;
  while (length > 1 && answered[length - 1] === 0) length--;
  const side = (start: number) =>
    tf.tidy(() => {
      const y = tf.slice(p.targets, [start, 0, 0], [n, length, -1]);
      return { inputs: tf.slice(p.alignment.inputs, [start, 0], [n, length]), targets: tf.argMax(y, -1).asType('int32'), mask: tf.sum(y, -1) };
    });
  return { chosen: side(0), rejected: side(n), output: 'logits' };
}

/** Disposes what `lmPreferenceProbes` made. */
export function disposePreferenceProbes(p: PreferenceProbes): void {
  for (const s of [p.chosen, p.rejected]) tf.dispose([...(Array.isArray(s.inputs) ? s.inputs : [s.inputs]), s.targets, s.mask]);
}
