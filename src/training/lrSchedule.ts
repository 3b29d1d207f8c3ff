import * as tf from '@tensorflow/tfjs';
import { learningRateAt, validateSchedule, type LearningRateSchedule } from './learningRateAt.js';
import { setOptimizerLearningRate } from './optimizerLearningRate.js';

/** Arguments of {@link lrSchedule}: a schedule plus how the callback counts steps. */
export interface LrScheduleArgs extends LearningRateSchedule {
  /** Step assumed at the first batch of each `fit` (e.g. to resume a schedule). Default 0. */
  initialStep?: number;
  /** Optimizer to drive; default the model's (`model.optimizer`, known once `fit` starts). */
  optimizer?: tf.Optimizer;
  /** Called after each change with (step, learningRate), e.g. to log the rate. */
  onChange?: (step: number, learningRate: number) => void;
}

/**
 * A `tf.CustomCallback` that sets the optimizer's learning rate to `learningRateAt(schedule, step)`
 * at every `onBatchBegin`, where step counts batches from `initialStep` and restarts at each
 * `onTrainBegin` (so one instance can be reused across fits). CustomCallback's `setModel` is a
 * no-op in tfjs, so this subclass keeps the model to reach `model.optimizer`.
 */
export class LearningRateScheduler extends tf.CustomCallback {
  /** Next step to apply. */
  step: number;
  /** Rate set at the most recent batch (NaN before the first). */
  currentLearningRate = Number.NaN;
  private trainingModel: tf.LayersModel | undefined;

  constructor(private readonly args: LrScheduleArgs) {
    super({});
    validateSchedule(args);
    const initialStep = args.initialStep ?? 0;
    if (!(Number.isInteger(initialStep) && initialStep >= 0)) {
      throw new RangeError(`lrSchedule: expected \`initialStep\` to be an integer >= 0, got \`${String(initialStep)}\` (${typeof initialStep})`);
    }
    this.step = initialStep;
  }

  override setModel(model: tf.LayersModel): void {
    this.trainingModel = model;
  }

  override async onTrainBegin(): Promise<void> {
    this.step = this.args.initialStep ?? 0;
  }

  override async onBatchBegin(): Promise<void> {
    const optimizer = this.args.optimizer ?? this.trainingModel?.optimizer;
    if (!optimizer) throw new Error('lrSchedule: no optimizer to schedule; compile the model before fit, or pass `optimizer`');
    const lr = learningRateAt(this.args, this.step);
    setOptimizerLearningRate(optimizer, lr);
    this.currentLearningRate = lr;
    this.args.onChange?.(this.step, lr);
    this.step++;
  }
}

/** Learning-rate schedule callback for `model.fit({ callbacks: [lrSchedule({...})] })`; see {@link learningRateAt}. */
export function lrSchedule(args: LrScheduleArgs): LearningRateScheduler {
  return new LearningRateScheduler(args);
}
