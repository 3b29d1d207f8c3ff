import type * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';
import type { Matrix } from '../metrics/matrix.js';
import type { ModelOutput } from '../probes/captureOutput.js';
import type { EmGuardProbes } from '../probes/probeTypes.js';
import type { Decision } from '../policy/index.js';

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
   * Raw first model output per probe set named in the plugin's `outputs`, computed by the guard's
   * check runner with the weights of `step` (on the capture worker or inline; `model` may have
   * trained further meanwhile).
   */
  outputs: ReadonlyMap<string, ModelOutput>;
  baseline: ReadonlyMap<string, LayerActivations>;
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
   * Probe sets (`alignment`, `eval`, `train`, `contrast.aligned`, `contrast.misaligned`) whose raw
   * first model output `compute` reads from `ctx.outputs`: the guard computes them at each check
   * and at the baseline, with the checked step's weights. Sets not given are left out.
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
  /** Releases anything `init` kept (tensors, buffers). */
  dispose?(): void;
}

/** What the guard lets an action do. */
export interface GuardControls {
  /** Asks `fit` to stop after the current batch (sets `model.stopTraining`). */
  stop(decision: Decision): void;
  /** Writes a checkpoint now; resolves to its id (or `memory:<step>`). */
  checkpoint(reason: string, safe: boolean): Promise<string>;
  /** Restores the last safe weights into the model in memory; resolves to what was restored, or null. */
  rollback(reason: string): Promise<string | null>;
  logger: Logger;
  runDir: string | null;
}

export interface ActionContext {
  decision: Decision;
  /** All decisions of this check, in policy order. */
  decisions: readonly Decision[];
  step: number;
  epoch: number;
  model: tf.LayersModel;
  guard: GuardControls;
}

/** An action a policy rule can name in `actions`. */
export interface ActionPlugin {
  name: string;
  description: string;
  run(ctx: ActionContext): void | Promise<void>;
}
