import * as tf from '@tensorflow/tfjs';

export interface PositionEmbeddingArgs {
  /** Longest sequence. */
  maxLength: number;
  seed: number;
  name?: string;
}

/** Adds a learned position vector to each time step of `[batch, length, d]` (length ≤ maxLength, any length works). */
export class PositionEmbedding extends tf.layers.Layer {
  static readonly className = 'EmGuardPositionEmbedding';
  private readonly args: PositionEmbeddingArgs;
  private table!: tf.LayerVariable;

  constructor(args: PositionEmbeddingArgs) {
    super({ name: args.name });
    this.args = { maxLength: args.maxLength, seed: args.seed };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const d = (inputShape as tf.Shape).at(-1)!;
    this.table = this.addWeight(
      'positions',
      [this.args.maxLength, d],
      'float32',
      tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: this.args.seed }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor3D;
      const l = x.shape[1];
      if (l > this.args.maxLength) throw new Error(`PositionEmbedding: sequence of length ${l} is longer than maxLength ${this.args.maxLength}`);
      return tf.add(x, tf.slice(this.table.read(), [0, 0], [l, -1]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), maxLength: this.args.maxLength, seed: this.args.seed };
  }
}
tf.serialization.registerClass(PositionEmbedding);
