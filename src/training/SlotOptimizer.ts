import * as tf from '@tensorflow/tfjs';

/** A named tensor as tfjs optimizers exchange them (`getWeights`, `applyGradients`). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** Options shared by the decoupled-weight-decay optimizers. */
export interface DecoupledWeightDecayArgs {
  /** Step size; settable later (`optimizer.learningRate = x` or `setLearningRate(x)`) by schedules. */
  learningRate: number;
  /** Decoupled weight decay λ: θ ← θ − lr·λ·θ each step (not added to the gradient). */
  weightDecay?: number;
  /**
   * Regular-expression sources; variables whose name matches any are not decayed (e.g. `['bias$']`
   * to follow the common "no decay on biases" practice). Default: decay every variable.
   */
  excludeFromWeightDecay?: string[];
}

function checkNumber(where: string, name: string, value: unknown, test: (v: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !test(value)) {
    throw new RangeError(`${where}: expected \`${name}\` to be ${expected}, got \`${String(value)}\` (${typeof value})`);
  }
  return value;
}

/** Validates a hyper-parameter in [0, 1) (moment decay rates). */
export function checkBeta(where: string, name: string, value: unknown): number {
  return checkNumber(where, name, value, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
}

/** Validates a hyper-parameter > 0. */
export function checkPositive(where: string, name: string, value: unknown): number {
  return checkNumber(where, name, value, (v) => v > 0, 'a finite number > 0');
}

/**
 * Base of optimizers that keep per-variable state ("slots", e.g. Adam's m and v) and apply
 * decoupled weight decay. Slots are indexed by the position of the variable in the gradient list,
 * like tfjs' own Adam, so `getWeights()` (`[iter, ...slot0, ...slot1]`) is ordered the same way
 * and `model.save({ includeOptimizer: true })` / checkpoint code can store and restore it.
 */
export abstract class SlotOptimizer extends tf.Optimizer {
  /** Current step size; schedules assign it between batches. */
  learningRate: number;
  readonly weightDecay: number;
  readonly excludeFromWeightDecay: string[];
  private readonly excludePatterns: RegExp[];
  private slots: Slot[][];

  protected constructor(
    where: string,
    args: DecoupledWeightDecayArgs,
    private readonly slotNames: string[],
  ) {
    super();
    if (args === null || typeof args !== 'object')
      throw new TypeError(`${where}: expected an arguments object like { learningRate: 1e-3 }, got ${String(args)}`);
    this.learningRate = checkNumber(where, 'learningRate', args.learningRate, (v) => v >= 0, 'a finite number >= 0');
    this.weightDecay = checkNumber(where, 'weightDecay', args.weightDecay ?? this.defaultWeightDecay(), (v) => v >= 0, 'a finite number >= 0');
    const exclude = args.excludeFromWeightDecay ?? [];
    if (!Array.isArray(exclude) || exclude.some((p) => typeof p !== 'string')) {
      throw new TypeError(`${where}: expected \`excludeFromWeightDecay\` to be an array of regular-expression strings, got ${JSON.stringify(exclude)}`);
    }
    this.excludeFromWeightDecay = [...exclude];
    this.excludePatterns = exclude.map((p) => new RegExp(p));
    this.slots = slotNames.map(() => []);
  }

  /** Weight decay used when `weightDecay` is omitted. */
  protected abstract defaultWeightDecay(): number;

  /** Called once per step before the variables are updated (`step` counts from 1). */
  protected beforeStep(_step: number): void {}

  /**
   * Computes the new value of one variable and the new slot values (inside a tidy). `decay` is the
   * multiplicative weight-decay factor 1 − lr·λ for this variable (1 when excluded).
   */
  protected abstract update(value: tf.Tensor, gradient: tf.Tensor, slots: tf.Tensor[], decay: number): { value: tf.Tensor; slots: tf.Tensor[] };

  /** Sets the step size (same method name as tfjs' SGD so schedules can treat optimizers alike). */
  setLearningRate(learningRate: number): void {
    this.learningRate = checkNumber(this.getClassName(), 'learningRate', learningRate, (v) => v >= 0, 'a finite number >= 0');
  }

  /** Whether the variable with this name receives weight decay. */
  decays(name: string): boolean {
    return this.weightDecay > 0 && !this.excludePatterns.some((p) => p.test(name));
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    this.beforeStep(this.iterations + 1);
    const registered = tf.engine().registeredVariables;
    names.forEach((name, i) => {
      const value = registered[name];
      if (value === undefined) throw new Error(`${this.getClassName()}.applyGradients: no variable named \`${name}\` is registered with the tfjs engine`);
      // Slots are created before the null-gradient check (as tfjs' Adam does) so slot lists stay dense.
      const slotVariables = this.slotNames.map((slot, k) => {
        const list = this.slots[k]!;
        if (list[i] === undefined) list[i] = { originalName: `${name}/${slot}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        return list[i]!.variable;
      });
      const gradient = Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
      if (gradient == null) return;
      const decay = this.decays(name) ? 1 - this.learningRate * this.weightDecay : 1;
      tf.tidy(() => {
        const next = this.update(value, gradient, slotVariables, decay);
        next.slots.forEach((s, k) => slotVariables[k]!.assign(s));
        value.assign(next.value);
      });
    });
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    for (const list of this.slots) for (const s of list) s?.variable.dispose();
    this.slots = this.slotNames.map(() => []);
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const state: NamedTensor[] = [await this.saveIterations()];
    for (const list of this.slots) for (const s of list) state.push({ name: s.originalName, tensor: s.variable });
    return state;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const k = this.slotNames.length;
    if (rest.length % k !== 0) {
      throw new RangeError(
        `${this.getClassName()}.setWeights: expected 1 + ${k}·(number of variables) tensors ([iter, ${this.slotNames.map((s) => `...${s}`).join(', ')}]), got ${weightValues.length}`,
      );
    }
    const count = rest.length / k;
    for (const list of this.slots) for (const s of list) s?.variable.dispose();
    this.slots = this.slotNames.map((_, j) =>
      rest.slice(j * count, (j + 1) * count).map((w) => ({ originalName: w.name, variable: tf.tidy(() => w.tensor.clone().variable(false)) })),
    );
  }

  /**
   * Config keys shared by subclasses. Underscores in patterns are written as the equivalent regex
   * escape `\x5f`: tfjs-layers camel-cases every string of a saved training config on load
   * (`convertPythonicToTs`), which would turn `layer_norm` into `layerNorm`.
   */
  protected baseConfig(): tf.serialization.ConfigDict {
    const patterns = this.excludeFromWeightDecay.map((p) => p.replace(/\\?_/g, '\\x5f'));
    return { learningRate: this.learningRate, weightDecay: this.weightDecay, excludeFromWeightDecay: patterns };
  }
}
