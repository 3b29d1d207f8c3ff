import * as tf from '@tensorflow/tfjs';
import { AdamW } from '../training/AdamW.js';
import { Lion } from '../training/Lion.js';
import type { SweepRunConfig } from './sweepConfig.js';

/** The optimizer a sweep run's `optimizer` names, at its starting learning rate (both organisms). */
export function sweepOptimizer(name: SweepRunConfig['optimizer'], learningRate: number): tf.Optimizer {
  switch (name) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'adam':
      return tf.train.adam(learningRate);
    case 'adamw':
      return new AdamW({ learningRate, weightDecay: 0.01 });
    case 'lion':
      return new Lion({ learningRate, weightDecay: 0.01 });
  }
}
