import * as tf from '@tensorflow/tfjs';
import { SlotOptimizer, checkBeta, checkPositive, type DecoupledWeightDecayArgs } from './SlotOptimizer.js';

/** Arguments of {@link AdamW}; defaults follow PyTorch `torch.optim.AdamW`. */
export interface AdamWArgs extends DecoupledWeightDecayArgs {
  /** Default 0.01. */
  weightDecay?: number;
  /** First-moment decay. Default 0.9. */
  beta1?: number;
  /** Second-moment decay. Default 0.999. */
  beta2?: number;
  /** Added to √v̂. Default 1e-8. */
  epsilon?: number;
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter 2019, "Decoupled Weight Decay
 * Regularization"), in PyTorch's form: θ ← θ(1 − lr·λ) − lr·m̂/(√v̂ + ε), with m, v the Adam
 * moments and bias corrections 1 − βᵗ computed in float64 from the step count. Unlike L2 in
 * `tf.train.adam`, the decay is not scaled by the adaptive denominator.
 */
export class AdamW extends SlotOptimizer {
  /** Serialization name (registered with `tf.serialization.registerClass`). */
  static get className(): string {
    return 'AdamW';
  }

  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private correction1 = 1;
  private correction2 = 1;

  constructor(args: AdamWArgs) {
    super('AdamW', args, ['m', 'v']);
    this.beta1 = checkBeta('AdamW', 'beta1', args.beta1 ?? 0.9);
    this.beta2 = checkBeta('AdamW', 'beta2', args.beta2 ?? 0.999);
    this.epsilon = checkPositive('AdamW', 'epsilon', args.epsilon ?? 1e-8);
  }

  protected defaultWeightDecay(): number {
    return 0.01;
  }

  protected override beforeStep(step: number): void {
    this.correction1 = 1 - this.beta1 ** step;
    this.correction2 = 1 - this.beta2 ** step;
  }

  protected update(value: tf.Tensor, g: tf.Tensor, [m, v]: tf.Tensor[], decay: number): { value: tf.Tensor; slots: tf.Tensor[] } {
    const m1 = tf.add(tf.mul(m!, this.beta1), tf.mul(g, 1 - this.beta1));
    const v1 = tf.add(tf.mul(v!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    // PyTorch: denom = √v/√(1 − β2ᵗ) + ε; θ −= (lr/(1 − β1ᵗ))·m/denom
    const denom = tf.add(tf.div(tf.sqrt(v1), Math.sqrt(this.correction2)), this.epsilon);
    const step = tf.mul(tf.div(m1, denom), this.learningRate / this.correction1);
    const decayed = decay === 1 ? value : tf.mul(value, decay);
    return { value: tf.sub(decayed, step), slots: [m1, v1] };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.baseConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config as unknown as AdamWArgs);
  }
}

tf.serialization.registerClass(AdamW);
