import type { Logger } from 'pino';
import type { Policy } from '../policy/types.js';
import type { EmGuardProbes, Pooling } from '../probes/probeTypes.js';
import type { ActionPlugin, MetricPlugin, MixerControl } from './pluginTypes.js';

/** Arguments of `emGuard(args)`. Every field but `probes` is optional. */
export interface EmGuardArgs {
  /**
   * The policy: a path to a YAML file, a bundled name (`default`, `strict`, `observe`), or a
   * `Policy` object from `loadPolicy`. Default: the bundled `default` policy.
   */
  policy?: string | Policy;
  /** Probe prompts (prompt-only model inputs). `train` and `eval` are required. */
  probes: EmGuardProbes;
  /** Layers to watch; overrides the policy's `check.layers`. Default: the policy's (`auto`). */
  layers?: 'auto' | string[];
  /** Pooling of sequence activations (`last` position or `mean`); overrides the policy. Default: policy's (`last`). */
  pooling?: Pooling;
  /** Probe rows per forward pass; overrides the policy's `check.batchSize`. Default: policy's (256). */
  probeBatchSize?: number;
  /**
   * Directory for `run.jsonl` and checkpoints. Default: `runs/<timestamp>-<id>` under the current
   * directory, new for each `fit`. `false`: write nothing; checkpoints for rollback are kept in memory.
   */
  runDir?: string | false;
  /** A pino logger; em-guard logs through `logger.child({ component: 'em-guard', runId })`. Default: silent. */
  logger?: Logger;
  /** Extra metrics and actions; their names become valid in policies. Default: none. */
  plugins?: { metrics?: MetricPlugin[]; actions?: ActionPlugin[] };
  /** Save optimizer state with checkpoints so a rollback restores it too. Default: true. */
  saveOptimizer?: boolean;
  /**
   * On SIGINT/SIGTERM during `fit`, write a final checkpoint and stop training (instead of dying
   * mid-step). Default: false (em-guard leaves your process's signals alone).
   */
  handleSignals?: boolean;
  /**
   * Which core metrics a check computes. `policy` (default): `drift.eval`, the alignment proxies,
   * and whatever the policy's rules read. The Gram/eigen-based `subspace.*` and `cka.*` metrics run
   * only when a rule needs them, and the train probes are captured (with `drift.train` and the
   * mean-delta cosine, cheap once captured) only when a rule reads a train-side metric or a metric
   * plugin is given: with the bundled default policy a check runs the eval and alignment probes
   * only. `all`: every metric at every check, for offline analysis (sweeps, reports).
   */
  metrics?: 'policy' | 'all';
  /**
   * Where checks run the probe forward passes. `auto` (default): on a worker thread with its own
   * copy of the model, so they overlap training on another core; each check copies the weights
   * (the checked step) and its verdict applies at a later batch end, before the next check. Falls
   * back to inline when the worker cannot rebuild the model (custom layers) or fails, and is not
   * used when metric plugins are given (they may read the live model). `worker`: also with
   * plugins. `inline`: on the training thread, verdict at the checked batch.
   */
  capture?: 'auto' | 'worker' | 'inline';
  /**
   * Modules the capture worker imports before it rebuilds the model: the ones that register your
   * custom layers (`tf.serialization.registerClass` is per thread), e.g. `['./myLayers.js']`.
   * Paths are resolved against the current directory and must exist (checked at `onTrainBegin`).
   * Without them a model with custom layers is captured inline, with one `warn` naming the class.
   * Default: none.
   */
  workerImports?: string[];
  /**
   * Load the baseline (activations of the unmodified model on every probe set, and its metric
   * values) from a directory written by an earlier fit with `saveBaseline: true`
   * (`<runDir>/baseline`) instead of capturing it: skips the baseline forward passes. Checked at
   * `onTrainBegin`: same weights (sha256), layers, pooling and probe inputs, else an error before
   * the first step. Default: capture.
   */
  baseline?: string;
  /** Write this fit's baseline to `<runDir>/baseline` for a later `baseline:` (needs a run dir). Default: false. */
  saveBaseline?: boolean;
  /**
   * What to do when the policy has rules (or `unless` exceptions) that this fit can never
   * evaluate, e.g. `alignment.score` rules without `probes.alignment`, checked at `onTrainBegin`.
   * `error` (default): `fit` rejects before any step, naming each rule, its metric, the missing
   * input and the fix (an `UnevaluableRulesError`). `warn`: train with those rules off, one `warn`
   * line, `notice` event and run-log `notice` record per rule. `ignore`: train with them off silently.
   */
  unevaluable?: 'error' | 'warn' | 'ignore';
  /** Seed of the random-subspace baseline metric. Default: 0. */
  seed?: number;
  /**
   * An aligned-data mixer (`alignedMixer({ task, aligned })`) whose dataset feeds `model.fitDataset`:
   * the policy's `mix` action raises and lowers its aligned share; the share in force is recorded at
   * every check as `mix.share`. Required by policies that use `mix`. Default: none.
   */
  mixer?: MixerControl;
  /** Free-form data written into the run log's `start` record (e.g. `{ label: 'guarded' }`). */
  meta?: Record<string, unknown>;
}
