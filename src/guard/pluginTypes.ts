import type * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import type { ActivationSummary } from '../metrics/activationSummary.js';
import type { Matrix } from '../metrics/matrix.js';
import type { ModelOutput } from '../probes/captureOutput.js';
import type { EmGuardProbes } from '../probes/probeTypes.js';
import type { Decision } from '../policy/index.js';
import type { BuiltinMetricJob } from './builtinMetricJob.js';
import type { ActionInfo } from '../policy/registry.js';

/** Activations of every watched layer for one probe set: layer name → [probes, features]. */
export type LayerActivations = ReadonlyMap<string, Matrix>;

/** What a metric plugin sees at train begin (the unmodified model). */
export interface BaselineContext {
  model: tf.LayersModel;
  layers: readonly string[];
  probes: EmGuardProbes;
  /**
   * Baseline activations per probe set: `eval`, `contrast.aligned` / `contrast.misaligned` when
   * given, and `train` when checks capture it (always with metric plugins).
   */
  activations: ReadonlyMap<string, LayerActivations>;
  /** Captures activations of any probe inputs with the guard's sub-model (same pooling, batching). */
  capture: (inputs: import('../probes/probeTypes.js').ProbeInputs) => Promise<LayerActivations>;
}

/** What a metric plugin sees at each check. */
export interface CheckContext extends BaselineContext {
  step: number;
  epoch: number;
  /**
   * First model output per probe set named in the plugin's `outputs`, computed by the guard's check
   * runner with the weights of `step` (on the capture worker or inline; `model` may have trained
   * further meanwhile): raw, except `preference.chosen` / `preference.rejected`, which come reduced
   * to per-pair answer scores `[n]` (`reduced: 'answerScores'`, see `answerScores`).
   */
  outputs: ReadonlyMap<string, ModelOutput>;
  baseline: ReadonlyMap<string, LayerActivations>;
  /**
   * Probe set → layer → the current activations reduced against the baseline (norms of the delta,
   * column means; see `ActivationSummary`), for sets the guard reduced where they were captured.
   * Only without user metric plugins, when the policy's core metrics read nothing more of the eval
   * probes (`drift.eval`): `activations` may then lack `eval`.
   */
  summaries?: ReadonlyMap<string, ReadonlyMap<string, ActivationSummary>>;
}

/**
 * A metric's value at one check: `value` (the aggregate the policy reads as `name`), optional
 * per-layer values (read as `name@layer`), and a reason whenever a value is null.
 */
export interface MetricResult {
  value: number | null;
  perLayer?: Record<string, number | null>;
  reason?: string;
}

/** A metric em-guard computes at each check; registered under `name` for policies. */
export interface MetricPlugin {
  name: string;
  description: string;
  /** Which way is safer: decides how per-layer values aggregate (worst layer). */
  better?: 'higher' | 'lower';
  /**
   * Probe sets (`alignment`, `eval`, `train`, `contrast.aligned`, `contrast.misaligned`, and
   * `preference.chosen` / `preference.rejected` as answer scores) whose first model output `compute`
   * reads from `ctx.outputs`: the guard computes them at each check and at the baseline, with the
   * checked step's weights. Sets not given are left out.
   */
  outputs?: readonly string[];
  /**
   * The input this metric needs and this fit lacks, e.g. `{ missing: 'probes.alignment (not given)',
   * fix: 'give probes.alignment: { inputs, expected }' }`, or null. A rule reading the metric is
   * then unevaluable: an error at `onTrainBegin` unless `unevaluable` says otherwise.
   */
  missingInput?(probes: EmGuardProbes): { missing: string; fix: string } | null;
  /** Called once per `fit` with the unmodified model; keep state on the plugin instance. */
  init?(ctx: BaselineContext): void | Promise<void>;
  compute(ctx: CheckContext): MetricResult | Promise<MetricResult>;
  /**
   * Built-in metrics only (em-guard's own plugins; the guard ignores it on a user's plugin): after
   * `init`, this fit's state as a job the capture worker can compute each check from by the same
   * function `compute` uses (`builtinMetricResult`), or null when `compute` needs this thread (a
   * `scorer`). See `EmGuard`'s worker verdict.
   */
  workerJob?(): BuiltinMetricJob | null;
  /** Releases anything `init` kept (tensors, buffers). */
  dispose?(): void;
}

/** What the guard lets an action do. */
export interface GuardControls {
  /** Asks `fit` to stop after the current batch (sets `model.stopTraining`). */
  stop(decision: Decision): void;
  /**
   * Writes a checkpoint of the weights of now; resolves to its id (or `memory:<step>`) once durable.
   * With `background: true` the weights are copied now and the write goes on while training
   * continues (resolves to `pending:<step>` at once; the `checkpoint` record and event follow once
   * it is durable; a rollback and the end of `fit` wait for it), as periodic checkpoints are written.
   */
  checkpoint(reason: string, safe: boolean, options?: { background?: boolean }): Promise<string>;
  /** Restores the last safe weights into the model in memory; resolves to what was restored, or null. */
  rollback(reason: string): Promise<string | null>;
  logger: Logger;
  runDir: string | null;
  /** The aligned-data mixer given as `emGuard({ mixer })`, or null. `startShare`: its share when `fit` began. */
  mixer: { share: number; readonly startShare: number } | null;
}

/** The share-able part of an aligned-data mixer (`AlignedMixer` or anything with a writable `share` in [0, 1]). */
export interface MixerControl {
  share: number;
}

export interface ActionContext {
  decision: Decision;
  /** All decisions of this check, in policy order. */
  decisions: readonly Decision[];
  step: number;
  epoch: number;
  model: tf.LayersModel;
  guard: GuardControls;
  /** This action's parameters on this rule (registered defaults filled in); empty when it has none. */
  options: Readonly<Record<string, number>>;
  /** Numbers this action keeps for this rule across the checks of one `fit` (reset at each `fit`). */
  memo: Record<string, number>;
}

/** What an action's `idle` hook sees: a check at which a rule that lists the action did not fire. */
export interface IdleContext {
  rule: string;
  step: number;
  epoch: number;
  model: tf.LayersModel;
  guard: GuardControls;
  options: Readonly<Record<string, number>>;
  memo: Record<string, number>;
}

/** An action a policy rule can name in `actions`. */
export interface ActionPlugin {
  name: string;
  description: string;
  /** Numeric parameters a rule may set (`actions: [{ name: { param: value } }]`); registered for validation. */
  params?: ActionInfo['params'];
  /** Run at every check while the rule fires, instead of once per firing episode (the default). */
  everyCheck?: boolean;
  run(ctx: ActionContext): void | Promise<void>;
  /** Called at each check at which a rule that lists this action does not fire (e.g. to undo a mitigation). */
  idle?(ctx: IdleContext): void | Promise<void>;
}
