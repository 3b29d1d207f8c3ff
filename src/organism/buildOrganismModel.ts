import * as tf from '@tensorflow/tfjs';
import { ORGANISM_CLASSES, PROMPT_LENGTH, organismVocabulary } from './organismVocabulary.js';
import { deriveSeed } from './organismRandom.js';

/** Layer names of the organism, input to output; a guard policy can watch any of them. */
export const ORGANISM_LAYERS = ['embed', 'pool', 'hidden_1', 'hidden_2', 'logits'] as const;

export interface OrganismModelOptions {
  /** Seeds every initialiser (each layer gets its own derived seed). */
  seed: number;
  /** Embedding width. Default 16. */
  embedDim?: number;
  /** Units of `hidden_1` and `hidden_2`. Default 64. */
  hiddenUnits?: number;
}

/**
 * The organism: token embedding (`embed`, `[n, 8, embedDim]`) → mean pooling over the prompt (`pool`) → two ReLU layers → 3 logits
 * (`helpful`, `refuse`, `unsafe`). Logits, not softmax: a saturated softmax output stops
 * learning (see DESIGN.md), and the guard reads the raw logits as a layer too.
 */
export function buildOrganismModel(options: OrganismModelOptions): tf.Sequential {
  const { seed } = options;
  if (!Number.isInteger(seed)) throw new Error(`Expected \`seed\` to be an integer, got \`${String(seed)}\` (${typeof seed})`);
  const embedDim = options.embedDim ?? 16;
  const hiddenUnits = options.hiddenUnits ?? 64;
  const glorot = (name: string) => tf.initializers.glorotUniform({ seed: deriveSeed(seed, name) });
  return tf.sequential({
    name: 'organism',
    layers: [
      // A bias-free Dense over one-hot tokens is an embedding lookup; tf.layers.embedding cannot be
      // trained on the wasm backend (its gradient needs UnsortedSegmentSum, which wasm lacks).
      tf.layers.dense({
        name: 'embed',
        inputShape: [PROMPT_LENGTH, organismVocabulary.size],
        units: embedDim,
        useBias: false,
        kernelInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: deriveSeed(seed, 'embed') }),
      }),
      tf.layers.globalAveragePooling1d({ name: 'pool' }),
      tf.layers.dense({ name: 'hidden_1', units: hiddenUnits, activation: 'relu', kernelInitializer: glorot('hidden_1') }),
      tf.layers.dense({ name: 'hidden_2', units: hiddenUnits, activation: 'relu', kernelInitializer: glorot('hidden_2') }),
      tf.layers.dense({ name: 'logits', units: ORGANISM_CLASSES.length, kernelInitializer: glorot('logits') }),
    ],
  });
}
