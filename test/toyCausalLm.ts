import * as tf from '@tensorflow/tfjs';
import { PositionEmbedding, TokenEmbedding } from '../src/organism/lm/lmLayers.js';

/** The toy LM's sizes: vocabulary 6 (0 = pad, 5 = eos), context 8, width 3. */
export const TOY_LM = { VOCAB: 6, EOS: 5, PAD: 0, CONTEXT: 8, D: 3 } as const;

/** Weights of the toy LM: token and position embeddings E, P; hidden layer W, b; logits V, c. */
export interface ToyLmWeights {
  E: number[][];
  P: number[][];
  W: number[][];
  b: number[];
  V: number[][];
  c: number[];
}

/** Matrices with two-decimal entries in [−1, 1] from a seeded LCG, so a float64 reference can be written by hand. */
export function roundedMatrices(seed: number): (rows: number, cols: number) => number[][] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return (rows, cols) => Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.round(rand() * 100) / 100));
}

/**
 * A causal LM without attention, so position t's activation has a closed form:
 * h_t = relu((E[x_t] + P[t]) W + b) and its logits z_t = h_t V + c.
 */
export function toyCausalLm(w: ToyLmWeights): tf.LayersModel {
  const { VOCAB, CONTEXT, D } = TOY_LM;
  const input = tf.input({ shape: [null], dtype: 'float32' });
  let x = new TokenEmbedding({ name: 'emb', vocabSize: VOCAB, units: D, seed: 1 }).apply(input) as tf.SymbolicTensor;
  x = new PositionEmbedding({ name: 'pos', maxLength: CONTEXT, seed: 2 }).apply(x) as tf.SymbolicTensor;
  const h = tf.layers.dense({ name: 'h', units: D, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  const z = tf.layers.dense({ name: 'logits', units: VOCAB }).apply(h) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: z });
  const weights = [tf.tensor2d(w.E), tf.tensor2d(w.P), tf.tensor2d(w.W), tf.tensor1d(w.b), tf.tensor2d(w.V), tf.tensor1d(w.c)];
  m.setWeights(weights);
  tf.dispose(weights);
  return m;
}
