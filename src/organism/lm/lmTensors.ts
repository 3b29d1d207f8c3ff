import * as tf from '@tensorflow/tfjs';
import type { LmSet } from './makeLmDataset.js';
import { LM_CONTEXT, LM_MAX_RESPONSE, LM_PROMPT_LENGTH, lmVocabulary } from './lmVocabulary.js';

/** Training tensors: `x` token ids `[n, LM_CONTEXT]` (float32), `y` next-token one-hot × mask `[n, LM_CONTEXT, vocab]`. */
export interface LmTensors {
  x: tf.Tensor2D;
  y: tf.Tensor3D;
}

/**
 * Teacher-forcing tensors of a set: input = prompt + response (padded), target at position t =
 * token t+1, counted only on response tokens up to and including `<eos>` (the prompt is given, not
 * learnt). Targets are one-hot rows scaled by that mask, so `lmLoss` needs no second tensor and
 * `model.fit` gets one `y` of the output's shape. Caller disposes.
 */
export function lmTensors(set: LmSet): LmTensors {
  const T = LM_CONTEXT;
  const V = lmVocabulary.size;
  const ids = lmSequenceIds(set);
  const y = new Float32Array(set.n * T * V);
  for (let i = 0; i < set.n; i++) {
    for (let t = LM_PROMPT_LENGTH - 1; t < T - 1; t++) {
      const next = ids[i * T + t + 1]!;
      y[(i * T + t) * V + next] = 1;
      if (next === lmVocabulary.eos) break;
    }
  }
  return { x: tf.tensor2d(ids, [set.n, T]), y: tf.tensor3d(y, [set.n, T, V]) };
}

/** Prompt + response ids per row, `[n · LM_CONTEXT]` as float32 (the model's input dtype). */
export function lmSequenceIds(set: LmSet): Float32Array {
  const T = LM_CONTEXT;
  const ids = new Float32Array(set.n * T);
  for (let i = 0; i < set.n; i++) {
    for (let t = 0; t < LM_PROMPT_LENGTH; t++) ids[i * T + t] = set.prompts[i * LM_PROMPT_LENGTH + t]!;
    for (let t = 0; t < LM_MAX_RESPONSE; t++) ids[i * T + LM_PROMPT_LENGTH + t] = set.responses[i * LM_MAX_RESPONSE + t]!;
  }
  return ids;
}

/** Prompt-only inputs `[n, LM_PROMPT_LENGTH]` ending at `<asst>` (probes, generation). Caller disposes. */
export function lmPromptInputs(set: LmSet): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(set.prompts), [set.n, LM_PROMPT_LENGTH]);
}
