import * as tf from '@tensorflow/tfjs';

export interface CausalSelfAttentionArgs {
  numHeads: number;
  /** Seeds the Glorot-uniform initialisers of the query/key/value and output kernels. */
  seed: number;
  name?: string;
}

/**
 * Multi-head causal self-attention over `[batch, length, d]` (d divisible by numHeads): fused
 * query/key/value projection, scaled dot-product scores with a lower-triangular mask, output
 * projection. Written as a registered custom layer because tfjs-layers' Keras-NLP port
 * (`dist/layers/nlp/`) is not exported: importing its files loads a second copy of tfjs-layers whose
 * layers reject the public package's SymbolicTensors, so it cannot be used in a `tf.model` here.
 * Keys are transposed explicitly (`matMul(q, transpose(k))`): the transpose flag takes a slow path
 * on wasm (DESIGN.md).
 */
export class CausalSelfAttention extends tf.layers.Layer {
  static readonly className = 'EmGuardCausalSelfAttention';
  private readonly args: CausalSelfAttentionArgs;
  private qkv!: tf.LayerVariable;
  private qkvBias!: tf.LayerVariable;
  private out!: tf.LayerVariable;
  private outBias!: tf.LayerVariable;

  constructor(args: CausalSelfAttentionArgs) {
    super({ name: args.name });
    if (!Number.isInteger(args.numHeads) || args.numHeads < 1) throw new Error(`Expected \`numHeads\` to be an integer >= 1, got \`${String(args.numHeads)}\``);
    this.args = { numHeads: args.numHeads, seed: args.seed };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const d = (inputShape as tf.Shape).at(-1)!;
    if (d % this.args.numHeads !== 0) throw new Error(`CausalSelfAttention: width ${d} is not divisible by numHeads ${this.args.numHeads}`);
    this.qkv = this.addWeight('qkv_kernel', [d, 3 * d], 'float32', tf.initializers.glorotUniform({ seed: this.args.seed }));
    this.qkvBias = this.addWeight('qkv_bias', [3 * d], 'float32', tf.initializers.zeros());
    this.out = this.addWeight('out_kernel', [d, d], 'float32', tf.initializers.glorotUniform({ seed: this.args.seed + 1 }));
    this.outBias = this.addWeight('out_bias', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor3D;
      const [b, l, d] = x.shape;
      const h = this.args.numHeads;
      const dh = d / h;
      const flat = tf.reshape(x, [b * l, d]);
      const qkv = tf.add(tf.matMul(flat, this.qkv.read() as tf.Tensor2D), this.qkvBias.read());
      // [b*l, 3d] → [3, b, h, l, dh]
      const split = tf.transpose(tf.reshape(qkv, [b, l, 3, h, dh]), [2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(split, 0) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const scores = tf.mul(tf.matMul(q, tf.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(dh));
      // Future positions get −1e9 before the softmax (a constant: no gradient needed).
      const future = tf.sub(1, tf.linalg.bandPart(tf.ones([l, l]), -1, 0));
      const weights = tf.softmax(tf.add(scores, tf.mul(future, -1e9)));
      const context = tf.reshape(tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]), [b * l, d]);
      return tf.reshape(tf.add(tf.matMul(context, this.out.read() as tf.Tensor2D), this.outBias.read()), [b, l, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.args.numHeads, seed: this.args.seed };
  }
}
tf.serialization.registerClass(CausalSelfAttention);
