import * as tf from '@tensorflow/tfjs';

export interface TokenEmbeddingArgs {
  vocabSize: number;
  units: number;
  /** Seed of the uniform(−0.05, 0.05) initialiser. */
  seed: number;
  name?: string;
}

/**
 * Token embedding from ids given as float32 `[batch, length]`: one-hot × kernel. `tf.layers.embedding`
 * (a gather) cannot be trained on the wasm backend: its gradient needs `UnsortedSegmentSum`, which
 * wasm lacks. Feeding one-hot inputs to a Dense (the classifier organism's way) works but makes
 * every input `vocabSize` times larger; building the one-hot inside the layer keeps inputs as ids
 * (small probe tensors, simple generation) at the same matMul cost (README "The language-model organism").
 */
export class TokenEmbedding extends tf.layers.Layer {
  static readonly className = 'EmGuardTokenEmbedding';
  private readonly args: TokenEmbeddingArgs;
  private kernel!: tf.LayerVariable;

  constructor(args: TokenEmbeddingArgs) {
    super({ name: args.name });
    this.args = { vocabSize: args.vocabSize, units: args.units, seed: args.seed };
  }

  override build(): void {
    this.kernel = this.addWeight(
      'embeddings',
      [this.args.vocabSize, this.args.units],
      'float32',
      tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: this.args.seed }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    return [s[0]!, s[1]!, this.args.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ids = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor2D;
      const [b, l] = ids.shape;
      const oneHot = tf.oneHot(tf.reshape(ids, [-1]).toInt(), this.args.vocabSize).toFloat();
      return tf.reshape(tf.matMul(oneHot, this.kernel.read() as tf.Tensor2D), [b, l, this.args.units]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), vocabSize: this.args.vocabSize, units: this.args.units, seed: this.args.seed };
  }
}
tf.serialization.registerClass(TokenEmbedding);
