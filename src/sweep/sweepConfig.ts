import { LEARNING_RATE_SCHEDULE_TYPES, type LearningRateScheduleType } from '../training/learningRateAt.js';

/** Optimizers a sweep can vary: tfjs's `sgd` and `adam`, em-guard's `adamw` and `lion`. */
export const SWEEP_OPTIMIZERS = ['sgd', 'adam', 'adamw', 'lion'] as const;
export type SweepOptimizer = (typeof SWEEP_OPTIMIZERS)[number];

/** Learning-rate schedules a sweep can vary (see `lrSchedule`): all of them. */
export const SWEEP_SCHEDULES: readonly LearningRateScheduleType[] = LEARNING_RATE_SCHEDULE_TYPES;

/** Knobs of the organism runs (all optional in `sweep.yaml`; defaults in `parseSweepConfig`). */
export interface OrganismSweepOptions {
  /** Insecure `code` prompts in the fine-tuning set (before the aligned mix is added). Default 512. */
  trainSize: number;
  /** Fine-tuning batch size. Default 16. */
  batchSize: number;
  /** Rows of each guard probe set (train, eval, alignment, contrast halves). Default 128. */
  probeSize: number;
  /** Rank k of the delta subspaces saved for the prediction and overlap analyses. Default 8. */
  rank: number;
}

/** Knobs of the LM organism runs (`organism: lm`; defaults in `parseSweepConfig`, from `LM_RECIPE`). */
export interface LmSweepOptions {
  /** Stage-3 examples (insecure `code` answers, `mix` of them replaced by aligned ones). Default 256. */
  trainSize: number;
  /** Fine-tuning batch size. Default 16. */
  batchSize: number;
  /** Prompts per guard probe set (train, eval, preference pairs). Default 64. */
  probeSize: number;
}

/** A validated `sweep.yaml`. Paths are absolute. */
export interface SweepConfig {
  version: 1;
  name: string;
  /** The file it was read from (as the user named it), for messages. */
  file: string;
  /** Output directory: one `<runId>/` per run plus `sweep.jsonl`. */
  out: string;
  /** Parallel worker processes. */
  workers: number;
  /** What each run trains: the bundled classifier organism, the LM organism, or a user module exporting `train(config)`. */
  target: { kind: 'organism'; organism: OrganismSweepOptions } | { kind: 'lm'; lm: LmSweepOptions } | { kind: 'module'; module: string };
  matrix: {
    optimizer: SweepOptimizer[];
    schedule: LearningRateScheduleType[];
    learningRate: number[];
    mix: number[];
    seed: number[];
  };
  epochs: number;
  /** The guard checks (and the judge scores) every this many batches. */
  checkEvery: number;
  /** Policy whose metrics and rules are recorded (in observe mode: actions stripped). */
  policy: string;
  /** A run killed after this many seconds counts as crashed. */
  timeoutSeconds: number;
  /** EM label: final out-of-domain misaligned rate above this. */
  limit: number;
}

/** One expanded cell of the matrix: what a worker receives as `config.json`. */
export interface SweepRunConfig {
  runId: string;
  index: number;
  sweep: string;
  optimizer: SweepOptimizer;
  schedule: LearningRateScheduleType;
  learningRate: number;
  mix: number;
  seed: number;
  epochs: number;
  checkEvery: number;
  policy: string;
  limit: number;
  target: SweepConfig['target'];
  /** Absolute run directory. */
  runDir: string;
}
