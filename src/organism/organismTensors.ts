import * as tf from '@tensorflow/tfjs';
import { ORGANISM_CLASSES, PROMPT_LENGTH, organismVocabulary } from './organismVocabulary.js';
import type { OrganismSet } from './makeOrganismDataset.js';

/** Training tensors of a set: `x` one-hot tokens `[n, PROMPT_LENGTH, vocabulary size]`, `y` one-hot `[n, 3]`. */
export interface OrganismTensors {
  x: tf.Tensor3D;
  y: tf.Tensor2D;
}

/** Tensors for a set; the caller disposes both. */
export function organismTensors(set: OrganismSet): OrganismTensors {
  const x = organismInputs(set);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(set.labels, 'int32'), ORGANISM_CLASSES.length).toFloat() as tf.Tensor2D);
  return { x, y };
}

/**
 * Just the prompts of a set, one-hot encoded `[n, PROMPT_LENGTH, vocabulary size]` float32 (probes
 * carry no labels). One-hot rather than ids because the model's first layer is a Dense "embedding".
 * Caller disposes.
 */
export function organismInputs(set: OrganismSet): tf.Tensor3D {
  const data = new Float32Array(set.n * PROMPT_LENGTH * organismVocabulary.size);
  for (let i = 0; i < set.tokens.length; i++) data[i * organismVocabulary.size + set.tokens[i]!] = 1;
  return tf.tensor3d(data, [set.n, PROMPT_LENGTH, organismVocabulary.size]);
}
