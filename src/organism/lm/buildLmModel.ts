import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../organismRandom.js';
import { CausalSelfAttention, LayerNorm, PositionEmbedding, TokenEmbedding } from './lmLayers.js';
import { LM_CONTEXT, lmVocabulary } from './lmVocabulary.js';

export interface LmModelOptions {
  seed: number;
  /** Residual width. Default 64. */
  dModel?: number;
  /** Transformer blocks. Default 2. */
  blocks?: number;
  /** Attention heads per block. Default 4. */
  heads?: number;
  /** MLP hidden width. Default 4·dModel. */
  mlpUnits?: number;
}

/** Name of block i's residual output (1-based): the layers the paper's measurements read. */
export const lmBlockName = (i: number): string => `block_${i}`;

/**
 * The LM organism: a pre-norm decoder-only transformer. Input: token ids as float32 `[batch, length]`
 * (any length ≤ LM_CONTEXT, so prompt-only probes end at `<asst>` and `pooling: last` reads the
 * last prompt token). `tok_embed` + `pos_embed` → blocks (`block_i_ln1` → `block_i_attn` (causal
 * multi-head) → residual add `block_i_mid` → `block_i_ln2` → `block_i_mlp_up` (ReLU) →
 * `block_i_mlp_down` → residual add `block_i`) → `ln_final` → `logits` (vocabulary, no softmax).
 */
export function buildLmModel(options: LmModelOptions): tf.LayersModel {
  const { seed } = options;
  if (!Number.isInteger(seed)) throw new Error(`Expected \`seed\` to be an integer, got \`${String(seed)}\` (${typeof seed})`);
  const d = options.dModel ?? 64;
  const blocks = options.blocks ?? 2;
  const heads = options.heads ?? 4;
  const mlp = options.mlpUnits ?? 4 * d;
  const s = (name: string) => deriveSeed(seed, name);
  const glorot = (name: string) => tf.initializers.glorotUniform({ seed: s(name) });
  const input = tf.input({ shape: [null], dtype: 'float32', name: 'tokens' });
  let x = new TokenEmbedding({ name: 'tok_embed', vocabSize: lmVocabulary.size, units: d, seed: s('tok_embed') }).apply(input) as tf.SymbolicTensor;
  x = new PositionEmbedding({ name: 'pos_embed', maxLength: LM_CONTEXT, seed: s('pos_embed') }).apply(x) as tf.SymbolicTensor;
  for (let i = 1; i <= blocks; i++) {
    const b = lmBlockName(i);
    const a = new LayerNorm({ name: `${b}_ln1` }).apply(x) as tf.SymbolicTensor;
    const att = new CausalSelfAttention({ name: `${b}_attn`, numHeads: heads, seed: s(`${b}_attn`) }).apply(a) as tf.SymbolicTensor;
    x = tf.layers.add({ name: `${b}_mid` }).apply([x, att]) as tf.SymbolicTensor;
    const m = new LayerNorm({ name: `${b}_ln2` }).apply(x) as tf.SymbolicTensor;
    const up = tf.layers.dense({ name: `${b}_mlp_up`, units: mlp, activation: 'relu', kernelInitializer: glorot(`${b}_mlp_up`) }).apply(m) as tf.SymbolicTensor;
    const down = tf.layers.dense({ name: `${b}_mlp_down`, units: d, kernelInitializer: glorot(`${b}_mlp_down`) }).apply(up) as tf.SymbolicTensor;
    x = tf.layers.add({ name: b }).apply([x, down]) as tf.SymbolicTensor;
  }
  const f = new LayerNorm({ name: 'ln_final' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ name: 'logits', units: lmVocabulary.size, kernelInitializer: glorot('logits') }).apply(f) as tf.SymbolicTensor;
  return tf.model({ name: 'lm_organism', inputs: input, outputs: logits });
}
