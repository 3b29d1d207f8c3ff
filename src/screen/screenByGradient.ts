import type * as tf from '@tensorflow/tfjs';
import { greedyDecode } from './greedyDecode.js';
import { alignmentGradient, lmGradientScores, type LmPreferencePairs } from './lmGradientScore.js';
import { rankAndVerdict, summarizeScores, type ScreenResult } from './screenDataset.js';

/** LM examples to screen: prompt and training response token ids, with an optional decoder for display. */
export interface LmExamples {
  prompts: readonly ArrayLike<number>[];
  responses: readonly ArrayLike<number>[];
}

export interface ScreenByGradientArgs {
  /** The causal LM before fine-tuning (ids `[batch, positions]` → logits `[batch, positions, vocabulary]`). */
  model: tf.LayersModel;
  data: LmExamples;
  /** Aligned data whose scores calibrate the threshold. */
  calibration: LmExamples;
  /** Preference pairs whose margin the score protects (the guard's `probes.preference`). */
  preference: LmPreferencePairs;
  eos: number;
  pad: number;
  /** The model's context. */
  maxLength: number;
  /** Layers whose weights the gradients cover. Default: every layer with trainable weights. */
  layers?: readonly string[];
  /** Renders token ids as text. */
  decode?: (ids: ArrayLike<number>) => string;
  /** The threshold is this quantile of the calibration scores. Default 0.95. */
  quantile?: number;
  resamples?: number;
  seed?: number;
  /** Rows per double-backward pass. Default 32. */
  batchSize?: number;
}

/**
 * Screens an LM training set by gradient alignment (`lmGradientScores`): each example's score is how
 * much one training step on it would lower the model's preference for aligned over misaligned
 * answers (first order, per unit step along the margin's gradient); dataset score = mean and share
 * above the aligned calibration data's quantile, with bootstrap intervals; ranked list; verdict.
 */
export async function screenByGradient(args: ScreenByGradientArgs): Promise<ScreenResult> {
  const q = args.quantile ?? 0.95;
  if (!(q > 0 && q < 1)) throw new Error(`screen: expected \`quantile\` in (0, 1), got \`${String(q)}\``);
  if (args.data.prompts.length < 1) throw new Error('screen: the data set is empty');
  if (args.calibration.prompts.length < 2) throw new Error('screen: the calibration set needs at least 2 examples');
  const seq = { pad: args.pad, maxLength: args.maxLength, ...(args.batchSize !== undefined ? { batchSize: args.batchSize } : {}) };
  const direction = alignmentGradient(args.model, args.preference, { ...seq, ...(args.layers ? { layers: args.layers } : {}) });
  try {
    const scores = lmGradientScores(args.model, args.data, direction, seq);
    const cal = lmGradientScores(args.model, args.calibration, direction, { ...seq, what: 'calibration example' });
    const layer = summarizeScores({ layer: 'gradient', width: direction.parameters, contrastGap: direction.norm }, scores, cal, {
      quantile: q,
      seed: args.seed,
      resamples: args.resamples,
    });
    // The model's own answers are shown next to the training responses, as in the projection screen.
    const own = greedyDecode(args.model, args.data.prompts, { eos: args.eos, pad: args.pad, maxLength: args.maxLength });
    const text = (ids: ArrayLike<number>) => (args.decode ? args.decode(ids) : Array.from(ids).join(' '));
    const describe = (i: number) => ({ text: text(args.data.prompts[i]!), target: text(args.data.responses[i]!), own: text(own[i]!) });
    return {
      method: 'gradient',
      ...rankAndVerdict({ kind: 'lm', n: args.data.prompts.length, describe }, [layer], [], layer, q),
      gradient: { layers: direction.layers, parameters: direction.parameters, margin: direction.margin, norm: direction.norm },
    };
  } finally {
    direction.dispose();
  }
}
