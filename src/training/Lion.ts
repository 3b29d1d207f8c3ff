import * as tf from '@tensorflow/tfjs';
import { SlotOptimizer, checkBeta, type DecoupledWeightDecayArgs } from './SlotOptimizer.js';

/** Arguments of {@link Lion}; defaults follow Chen et al. 2023 (and lion-pytorch). */
export interface LionArgs extends DecoupledWeightDecayArgs {
  /** Default 0. Lion typically needs λ 3–10× larger than AdamW, with lr 3–10× smaller. */
  weightDecay?: number;
  /** Interpolation for the update direction. Default 0.9. */
  beta1?: number;
  /** Momentum decay. Default 0.99. */
  beta2?: number;
}

/**
 * Lion, "EvoLved Sign Momentum" (Chen et al. 2023, "Symbolic Discovery of Optimization
 * Algorithms", Algorithm 2): c = β1·m + (1−β1)·g; θ ← θ(1 − lr·λ) − lr·sign(c);
 * m ← β2·m + (1−β2)·g. One state tensor per variable (half of Adam's memory); every coordinate
 * moves by exactly ±lr (or 0), so the learning rate sets the update size directly.
 */
export class Lion extends SlotOptimizer {
  /** Serialization name (registered with `tf.serialization.registerClass`). */
  static get className(): string {
    return 'Lion';
  }

  readonly beta1: number;
  readonly beta2: number;

  constructor(args: LionArgs) {
    super('Lion', args, ['m']);
    this.beta1 = checkBeta('Lion', 'beta1', args.beta1 ?? 0.9);
    this.beta2 = checkBeta('Lion', 'beta2', args.beta2 ?? 0.99);
  }

  protected defaultWeightDecay(): number {
    return 0;
  }

  protected update(value: tf.Tensor, g: tf.Tensor, [m]: tf.Tensor[], decay: number): { value: tf.Tensor; slots: tf.Tensor[] } {
    const direction = tf.sign(tf.add(tf.mul(m!, this.beta1), tf.mul(g, 1 - this.beta1)));
    const decayed = decay === 1 ? value : tf.mul(value, decay);
    const m1 = tf.add(tf.mul(m!, this.beta2), tf.mul(g, 1 - this.beta2));
    return { value: tf.sub(decayed, tf.mul(direction, this.learningRate)), slots: [m1] };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.baseConfig(), beta1: this.beta1, beta2: this.beta2 };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config as unknown as LionArgs);
  }
}

tf.serialization.registerClass(Lion);
