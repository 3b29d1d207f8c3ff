import * as tf from '@tensorflow/tfjs';
import { EventEmitter } from 'eventemitter3';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { abortAction } from '../../plugins/actions/abortAction.js';
import { checkpointAction } from '../../plugins/actions/checkpointAction.js';
import { rollbackAction } from '../../plugins/actions/rollbackAction.js';
import { warnAction } from '../../plugins/actions/warnAction.js';
import { alignmentProjectionPlugin } from '../../plugins/metrics/alignmentProjection.js';
import { alignmentScorePlugin } from '../../plugins/metrics/alignmentScore.js';
import { CheckpointStore, type CapturedModelState } from '../checkpoints/CheckpointStore.js';
import { MemorySnapshots } from '../checkpoints/MemorySnapshots.js';
import { installInterruptHandler } from '../checkpoints/interruptHandler.js';
import { createPolicyState, evaluatePolicy } from '../policy/evaluatePolicy.js';
import { defaultPolicy, loadPolicy } from '../policy/loadPolicy.js';
import { registerAction, registerMetric } from '../policy/registry.js';
import { keepsSafeCheckpoints, periodicSafeCheckpointDue } from '../policy/safeCheckpoints.js';
import type { Decision, MetricSnapshot, Policy, PolicyState } from '../policy/types.js';
import { ProbeCapture } from '../probes/ProbeCapture.js';
import { probeTensors } from '../probes/probeTensors.js';
import { WorkerCapture, type WorkerCaptureResult } from '../probes/WorkerCapture.js';
import type { EmGuardProbes, ProbeInputs } from '../probes/probeTypes.js';
import { resolveLayers } from '../probes/resolveLayers.js';
import { validateProbes } from '../probes/validateProbes.js';
import { RunLog, RUN_LOG_FILE } from '../runlog/RunLog.js';
import { aggregateLayers, computeCoreMetrics, coreMetricsFor, CORE_METRICS, needsTrainProbes, type CoreMetricName } from './computeCoreMetrics.js';
import type { EmGuardArgs } from './emGuardArgs.js';
import { readSavedBaseline, tensorsFingerprint, weightsFingerprint, writeSavedBaseline, type SavedBaseline } from './savedBaseline.js';
import type { ActionPlugin, BaselineContext, CheckContext, GuardControls, LayerActivations, MetricPlugin } from './pluginTypes.js';

/** Why the guard stopped `fit`: the first rule whose actions included `abort`. */
export interface StopReason {
  rule: string;
  metric: string;
  value: number | null;
  threshold: number;
  step: number;
  epoch: number;
  summary: string;
}

/** Payload of the `check` event. */
export interface CheckEvent extends MetricSnapshot {
  reasons: Record<string, string>;
  timingsMs: Record<string, number>;
}

export interface CheckpointEvent {
  id: string;
  step: number;
  epoch: number;
  safe: boolean;
  reason: string;
}

export interface RollbackEvent {
  to: string;
  toStep: number;
  step: number;
  epoch: number;
}

/** The guard's typed events: `guard.on('breach', (d) => ...)`. */
export interface EmGuardEvents {
  check: (e: CheckEvent) => void;
  breach: (d: Decision) => void;
  checkpoint: (e: CheckpointEvent) => void;
  abort: (r: StopReason) => void;
  rollback: (e: RollbackEvent) => void;
}

/** Time spent by the guard in one `fit`, in ms, by phase. */
export interface GuardTimings {
  checks: number;
  capture: number;
  metrics: number;
  policy: number;
  io: number;
  total: number;
}

const BUILTIN_ACTIONS: ActionPlugin[] = [warnAction, checkpointAction, abortAction, rollbackAction];

/** A logs entry as a number (tfjs passes Scalars to `onBatchEnd`); never disposes it. */
async function readLogNumber(v: unknown): Promise<number | undefined> {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && typeof (v as tf.Tensor).data === 'function' && !(v as tf.Tensor).isDisposed) {
    return (await (v as tf.Tensor).data())[0];
  }
  return undefined;
}

function levelFor(severity: Decision['severity']): 'info' | 'warn' | 'error' {
  return severity === 'critical' ? 'error' : severity === 'warning' ? 'warn' : 'info';
}

function validateArgs(args: EmGuardArgs): void {
  if (!args || typeof args !== 'object') throw new TypeError('emGuard: expected an arguments object { policy?, probes, ... }, got ' + typeof args);
  if (!args.probes || typeof args.probes !== 'object') throw new TypeError('emGuard: `probes` is required: { train: Tensor, eval: Tensor, alignment?, contrast? }');
  if (args.probes.train === undefined) throw new TypeError('emGuard: `probes.train` is required (in-domain prompts, a Tensor or Tensor[])');
  if (args.probes.eval === undefined) throw new TypeError('emGuard: `probes.eval` is required (out-of-domain prompts, a Tensor or Tensor[])');
  if (args.probeBatchSize !== undefined && (!Number.isInteger(args.probeBatchSize) || args.probeBatchSize < 1)) {
    throw new TypeError(`emGuard: expected \`probeBatchSize\` to be an integer >= 1, got \`${String(args.probeBatchSize)}\` (${typeof args.probeBatchSize})`);
  }
  if (args.pooling !== undefined && args.pooling !== 'last' && args.pooling !== 'mean') {
    throw new TypeError(`emGuard: expected \`pooling\` to be "last" or "mean", got \`${String(args.pooling)}\``);
  }
  if (args.runDir !== undefined && args.runDir !== false && (typeof args.runDir !== 'string' || args.runDir.trim() === '')) {
    throw new TypeError(`emGuard: expected \`runDir\` to be a non-empty path or false, got \`${String(args.runDir)}\``);
  }
  if (args.metrics !== undefined && args.metrics !== 'policy' && args.metrics !== 'all') {
    throw new TypeError(`emGuard: expected \`metrics\` to be "policy" or "all", got \`${String(args.metrics)}\``);
  }
  if (args.baseline !== undefined && (typeof args.baseline !== 'string' || args.baseline === '')) {
    throw new TypeError(`emGuard: expected \`baseline\` to be the path of a saved baseline directory (<runDir>/baseline of a fit with saveBaseline: true), got \`${String(args.baseline)}\``);
  }
  if (args.saveBaseline !== undefined && typeof args.saveBaseline !== 'boolean') {
    throw new TypeError(`emGuard: expected \`saveBaseline\` to be true or false, got \`${String(args.saveBaseline)}\``);
  }
  if (args.saveBaseline && args.runDir === false) {
    throw new TypeError('emGuard: `saveBaseline: true` writes <runDir>/baseline, but `runDir` is false; give a run directory or drop saveBaseline');
  }
  if (args.capture !== undefined && args.capture !== 'auto' && args.capture !== 'worker' && args.capture !== 'inline') {
    throw new TypeError(`emGuard: expected \`capture\` to be "auto", "worker" or "inline", got \`${String(args.capture)}\``);
  }
  if (args.seed !== undefined && !Number.isInteger(args.seed)) throw new TypeError(`emGuard: expected \`seed\` to be an integer, got \`${String(args.seed)}\``);
}

function resolvePolicy(policy: EmGuardArgs['policy']): Policy {
  if (policy === undefined) return defaultPolicy();
  // loadPolicy tells a bundled name, YAML text and a file path apart itself.
  if (typeof policy === 'string') return loadPolicy(policy);
  if (typeof policy === 'object' && policy !== null && Array.isArray((policy as Policy).rules)) return policy;
  throw new TypeError('emGuard: `policy` must be a path, a bundled policy name, or a Policy from loadPolicy()');
}

/**
 * Lets the event loop deliver the capture worker's messages. A fast model's `fit` can run batch
 * after batch on promise continuations alone, so without this turn a worker answer (or its
 * `ready`) would wait until the fit ends. Costs microseconds; only taken while the worker is
 * starting or a check is on it.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The step a snapshot describes and what the training loop reported up to it. */
interface SnapshotPoint {
  step: number;
  epoch: number;
  /** Mean finite batch loss since the previous check; null if none; undefined for the baseline. */
  loss: number | null | undefined;
  nonfinite: boolean;
}

/** Raw first model output of a probe set (worker capture). */
type ModelOutput = { shape: number[]; data: Float32Array };

/** Weights copied at a check, kept as the periodic checkpoint if its verdict is safe. */
type CheckpointCandidate = { kind: 'store'; state: CapturedModelState } | { kind: 'memory'; weights: tf.Tensor[] };

/** A check whose capture runs on the worker. */
interface PendingCheck {
  at: SnapshotPoint;
  promise: Promise<WorkerCaptureResult>;
  result: WorkerCaptureResult | null;
  error: Error | null;
  candidate: CheckpointCandidate | null;
  /** Training-thread time to copy the weights and post them, ms. */
  postMs: number;
}

/**
 * The training-loop callback: captures probe activations on the policy's schedule, computes the
 * delta-subspace metrics and alignment proxies, evaluates the policy and runs its actions (warn,
 * checkpoint, abort, rollback). A `tf.CustomCallback` built on the user's tfjs, so it mixes with
 * other callbacks in one array.
 */
export class EmGuard extends tf.CustomCallback {
  readonly policy: Policy;
  /** Set when the guard stopped training; null otherwise. Reset at each `fit`. */
  stopReason: StopReason | null = null;
  /** The run directory of the current (or last) `fit`, or null with `runDir: false`. */
  runDir: string | null = null;
  /** Time spent in the guard during the last `fit`. */
  timings: GuardTimings = { checks: 0, capture: 0, metrics: 0, policy: 0, io: 0, total: 0 };
  /** Id of the current (or last) run: `<UTC timestamp>-<6 hex>`, also in every log line and run-log record. */
  get runId(): string {
    return this.currentRunId;
  }
  /** Where the next check runs its forward passes: `worker` once the capture worker is up, else `inline`. */
  get captureWhere(): 'worker' | 'inline' {
    return this.worker?.usable ? 'worker' : 'inline';
  }
  /** The last metric snapshot (copied numbers only). */
  lastSnapshot: CheckEvent | null = null;

  private readonly args: EmGuardArgs;
  private readonly events = new EventEmitter<EmGuardEvents>();
  private readonly metricPlugins: MetricPlugin[];
  private readonly actions = new Map<string, ActionPlugin>();
  private readonly wantedCore: ReadonlySet<CoreMetricName>;
  /** Whether checks capture the train probes (skipped when nothing reads them: a third of a check's forward passes). */
  private readonly captureTrain: boolean;
  private scratch = new Map<string, Float64Array>();
  private baseLogger: Logger;
  private logger: Logger;

  // Per-fit state, reset in onTrainBegin.
  private layers: string[] = [];
  private captureModel: ProbeCapture | null = null;
  private baselineActs = new Map<string, LayerActivations>();
  private policyState: PolicyState | null = null;
  private runLog: RunLog | null = null;
  private store: CheckpointStore | null = null;
  private memory: MemorySnapshots | null = null;
  private step = 0;
  private epoch = 0;
  private checks = 0;
  private lossSum = 0;
  private lossCount = 0;
  private sawNonFinite = false;
  private firing = new Set<string>();
  private lastSafe: { id: string; step: number } | null = null;
  private uninstallSignals: (() => void) | null = null;
  private pendingCheckpoints: Promise<void> = Promise.resolve();
  /** The capture worker of this fit (null: capturing inline), and the check it is running. */
  private worker: WorkerCapture | null = null;
  private pending: PendingCheck | null = null;
  private currentRunId = '';
  private attached: tf.LayersModel | null = null;

  constructor(args: EmGuardArgs) {
    super({}, 'never');
    validateArgs(args);
    this.args = args;
    for (const a of BUILTIN_ACTIONS) this.actions.set(a.name, a);
    for (const a of args.plugins?.actions ?? []) {
      if (!a || typeof a.name !== 'string' || typeof a.run !== 'function') throw new TypeError('emGuard: every `plugins.actions` entry needs a `name` and a `run(ctx)` function');
      registerAction({ name: a.name, description: a.description });
      this.actions.set(a.name, a);
    }
    this.metricPlugins = [alignmentScorePlugin(), alignmentProjectionPlugin(), ...(args.plugins?.metrics ?? [])];
    for (const m of args.plugins?.metrics ?? []) {
      if (!m || typeof m.name !== 'string' || typeof m.compute !== 'function') throw new TypeError('emGuard: every `plugins.metrics` entry needs a `name` and a `compute(ctx)` function');
      registerMetric({ name: m.name, description: m.description, better: m.better });
    }
    this.policy = resolvePolicy(args.policy);
    this.wantedCore =
      args.metrics === 'all'
        ? new Set(Object.keys(CORE_METRICS) as CoreMetricName[])
        : coreMetricsFor([...this.policy.rules.flatMap((r) => [r.metric, ...r.unless.map((c) => c.metric)]), ...(this.policy.checkpoint.keepBest ? [this.policy.checkpoint.keepBest.metric] : [])]);
    // User metric plugins may read any probe set, so with them every set is captured.
    this.captureTrain = needsTrainProbes(this.wantedCore) || (args.plugins?.metrics?.length ?? 0) > 0;
    this.baseLogger = args.logger ?? pino({ level: 'silent' });
    this.logger = this.baseLogger.child({ component: 'em-guard' });
  }

  on<E extends keyof EmGuardEvents>(event: E, listener: EmGuardEvents[E]): this {
    this.events.on(event, listener as never);
    return this;
  }

  once<E extends keyof EmGuardEvents>(event: E, listener: EmGuardEvents[E]): this {
    this.events.once(event, listener as never);
    return this;
  }

  off<E extends keyof EmGuardEvents>(event: E, listener?: EmGuardEvents[E]): this {
    this.events.off(event, listener as never);
    return this;
  }

  private emit<E extends keyof EmGuardEvents>(event: E, ...payload: Parameters<EmGuardEvents[E]>): void {
    try {
      (this.events.emit as (e: E, ...p: unknown[]) => boolean)(event, ...payload);
    } catch (e) {
      // A listener's bug must not break training; report it and go on.
      this.logger.error({ event: 'listener-error', listenerEvent: event, err: e }, `em-guard: a '${event}' listener threw: ${(e as Error).message}`);
    }
  }

  /** tfjs calls this before `onTrainBegin`; CustomCallback itself does not keep the model. */
  override setModel(model: tf.LayersModel | Parameters<tf.CustomCallback['setModel']>[0]): void {
    this.attached = model as tf.LayersModel;
  }

  private get lmodel(): tf.LayersModel {
    const m = this.attached;
    if (!m) throw new Error('emGuard: no model attached; pass the guard in `model.fit(..., { callbacks: [guard] })`');
    return m;
  }

  private controls(): GuardControls {
    return {
      stop: (d) => this.stop(d),
      checkpoint: (reason, safe) => this.checkpoint(reason, safe),
      rollback: (reason) => this.rollback(reason),
      logger: this.logger,
      runDir: this.runDir,
    };
  }

  override async onTrainBegin(logs?: tf.Logs): Promise<void> {
    void logs;
    const t0 = performance.now();
    this.resetRunState();
    const model = this.lmodel;
    const check = this.policy.check;
    const probeCounts = validateProbes(this.args.probes, model);
    this.layers = resolveLayers(model, this.args.layers ?? check.layers);
    this.captureModel = new ProbeCapture(model, this.layers, {
      pooling: this.args.pooling ?? check.pooling,
      batchSize: this.args.probeBatchSize ?? check.batchSize,
    });

    this.currentRunId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
    if (this.args.runDir !== false) {
      this.runDir = resolve(this.args.runDir ?? join('runs', this.currentRunId));
      this.runLog = new RunLog(join(this.runDir, RUN_LOG_FILE), this.currentRunId);
      this.store = new CheckpointStore({ runDir: this.runDir, keep: this.policy.checkpoint.keep, keepBest: this.policy.checkpoint.keepBest });
    } else {
      this.runDir = null;
      this.memory = new MemorySnapshots({ keep: this.policy.checkpoint.keep });
    }
    this.logger = this.baseLogger.child({ component: 'em-guard', runId: this.currentRunId });

    // Baseline: activations of the unmodified model, before the first step (or a saved one).
    const tc = performance.now();
    const loaded = this.args.baseline ? this.loadBaseline(model) : null;
    for (const [name, inputs] of this.probeSets(this.args.probes)) {
      this.baselineActs.set(name, loaded ? loaded.activations.get(name)! : await this.captureModel.capture(inputs));
    }
    this.timings.capture += performance.now() - tc;
    const ctx = this.baselineContext(model);
    for (const p of this.metricPlugins) await p.init?.(ctx);
    const baseline: CheckEvent = loaded
      ? { step: 0, epoch: 0, values: { ...loaded.values }, reasons: {}, timingsMs: {} }
      : await this.computeSnapshot(model, this.baselineActs, { step: 0, epoch: 0, loss: undefined, nonfinite: false });
    if (this.args.saveBaseline && this.runDir && !loaded) this.saveBaseline(model, baseline.values);
    this.policyState = createPolicyState(this.policy, baseline);

    this.runLog?.append({
      type: 'start',
      policy: {
        source: this.policy.source,
        rules: this.policy.rules.map((r) => ({ name: r.name, metric: r.metric, ...(r.layer ? { layer: r.layer } : {}), op: r.op, threshold: r.threshold, relativeTo: r.relativeTo, severity: r.severity, ...(r.unless.length ? { unless: r.unless.map((c) => ({ ...c })) } : {}) })),
      },
      layers: this.layers,
      backend: tf.getBackend(),
      probes: probeCounts,
      ...(this.args.meta ? { meta: this.args.meta } : {}),
    });
    this.runLog?.append({ type: 'baseline', step: 0, epoch: 0, values: baseline.values });
    this.startWorker(model);
    this.logger.info({ event: 'start', layers: this.layers, policy: this.policy.source, runDir: this.runDir, probes: probeCounts, backend: tf.getBackend() }, `em-guard watching ${this.layers.join(', ')} with policy ${this.policy.source}`);

    // The pre-fine-tuning weights are the first safe point to roll back to.
    if (keepsSafeCheckpoints(this.policy)) await this.checkpoint('baseline', true, false);
    if (this.args.handleSignals) {
      this.uninstallSignals = installInterruptHandler({
        onInterrupt: async (signal) => {
          this.logger.warn({ event: 'interrupt', signal, step: this.step }, `em-guard: ${signal} received, writing a final checkpoint and stopping`);
          await this.checkpoint(`interrupted by ${signal}`, !this.firingUnsafe());
          this.lmodel.stopTraining = true;
        },
      });
    }
    this.timings.total += performance.now() - t0;
  }

  override async onBatchEnd(batch: number, logs?: tf.Logs): Promise<void> {
    void batch;
    const t0 = performance.now();
    this.step += 1;
    // Copy the number out: tfjs disposes the logs' scalars right after this hook. They are still
    // Scalars here because this override bypasses CustomCallback's own resolution.
    const loss = await readLogNumber(logs?.loss);
    if (typeof loss === 'number') {
      if (Number.isFinite(loss)) {
        this.lossSum += loss;
        this.lossCount += 1;
      } else {
        this.sawNonFinite = true;
      }
    }
    const every = this.policy.check.every;
    // A worker verdict that has arrived is applied at the first batch end after it.
    if (this.worker && (this.pending || !this.worker.usable)) await yieldToEventLoop();
    if (this.pending && (this.pending.result || this.pending.error)) await this.finishPending();
    if (this.sawNonFinite) {
      // Like Keras TerminateOnNaN: decide on this batch, without waiting for the schedule.
      await this.drainPending();
      await this.runCheck(false);
    } else if ('batches' in every && this.step % every.batches === 0) {
      await this.scheduledCheck();
    }
    this.timings.total += performance.now() - t0;
  }

  /** A check on the policy's schedule: on the capture worker when it is up, else inline. */
  private async scheduledCheck(): Promise<void> {
    await this.drainPending();
    if (this.lmodel.stopTraining) return;
    if (this.worker?.usable) await this.beginWorkerCheck();
    else await this.runCheck(true);
  }

  /**
   * Starts the capture worker for this fit when the `capture` option allows it. Not awaited:
   * checks run inline until it is up, and for good if it cannot rebuild the model.
   */
  private startWorker(model: tf.LayersModel): void {
    const mode = this.args.capture ?? 'auto';
    if (mode === 'inline' || (mode === 'auto' && (this.args.plugins?.metrics?.length ?? 0) > 0)) return;
    const sets = new Map<string, ProbeInputs>();
    if (this.captureTrain) sets.set('train', this.args.probes.train);
    sets.set('eval', this.args.probes.eval);
    if (this.args.probes.alignment) sets.set('alignment', this.args.probes.alignment.inputs);
    try {
      const worker = new WorkerCapture(model, this.layers, { pooling: this.captureModel!.pooling, batchSize: this.captureModel!.batchSize }, sets);
      this.worker = worker;
      worker.ready.then(
        () => this.logger.info({ event: 'capture-worker', ready: true }, 'em-guard: probe capture runs on a worker thread (forward passes off the training thread)'),
        (e: unknown) => {
          if (this.worker === worker) this.worker = null;
          void worker.release({ discard: true });
          this.logger.warn({ event: 'capture-worker', ready: false, err: e }, `em-guard: capture worker unavailable (${(e as Error).message}); capturing inline`);
        },
      );
    } catch (e) {
      this.logger.warn({ event: 'capture-worker', ready: false, err: e }, `em-guard: capture worker unavailable (${(e as Error).message}); capturing inline`);
    }
  }

  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    void logs;
    const t0 = performance.now();
    const every = this.policy.check.every;
    if (this.pending && (this.pending.result || this.pending.error)) await this.finishPending();
    if ('epochs' in every && (epoch + 1) % every.epochs === 0 && !this.lmodel.stopTraining) {
      await this.scheduledCheck();
    }
    this.epoch = epoch + 1;
    this.timings.total += performance.now() - t0;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }

  override async onTrainEnd(logs?: tf.Logs): Promise<void> {
    void logs;
    const t0 = performance.now();
    this.uninstallSignals?.();
    this.uninstallSignals = null;
    // The last check's verdict still counts (its abort comes too late to stop, its rollback does not).
    await this.drainPending();
    // `fit` resolves only after every checkpoint is durable and in the run log.
    await this.settleCheckpoints();
    this.runLog?.append({ type: 'end', step: this.step, epoch: this.epoch, stopped: this.stopReason !== null, stopReason: this.stopReason ? { rule: this.stopReason.rule, metric: this.stopReason.metric, value: this.stopReason.value, threshold: this.stopReason.threshold, step: this.stopReason.step, epoch: this.stopReason.epoch } : null });
    await this.runLog?.flush();
    this.timings.io += performance.now() - t0;
    this.timings.total += performance.now() - t0;
    this.logger.info({ event: 'end', step: this.step, epoch: this.epoch, stopped: this.stopReason !== null, checks: this.checks, guardMs: Math.round(this.timings.total) }, this.stopReason ? `em-guard stopped the run at step ${this.stopReason.step}` : `em-guard: run finished, ${this.checks} checks, no abort`);
    this.releaseFitResources();
  }

  /** Frees the in-memory snapshots (their cloned tensors). Call when you no longer need the guard. */
  dispose(): void {
    this.releaseFitResources();
    this.memory?.dispose();
    this.memory = null;
  }

  private releaseFitResources(): void {
    if (this.pending) {
      this.discardCandidate(this.pending.candidate);
      this.pending = null;
    }
    void this.worker?.release();
    this.worker = null;
    for (const p of this.metricPlugins) p.dispose?.();
    this.baselineActs = new Map();
    this.captureModel = null;
    this.scratch = new Map();
  }

  private resetRunState(): void {
    this.stopReason = null;
    this.timings = { checks: 0, capture: 0, metrics: 0, policy: 0, io: 0, total: 0 };
    this.lastSnapshot = null;
    this.step = 0;
    this.epoch = 0;
    this.checks = 0;
    this.lossSum = 0;
    this.lossCount = 0;
    this.sawNonFinite = false;
    this.firing = new Set();
    this.lastSafe = null;
    this.memory?.dispose();
    this.memory = null;
    this.store = null;
    this.runLog = null;
    this.baselineActs = new Map();
  }

  /**
   * The saved baseline named by `args.baseline`, checked against this fit: the same weights (the
   * model it was captured from, unmodified), layers, pooling and probe inputs. Any mismatch is an
   * error before the first step: metrics against another model's baseline would be meaningless.
   */
  private loadBaseline(model: tf.LayersModel): SavedBaseline {
    const dir = resolve(this.args.baseline!);
    const saved = readSavedBaseline(dir);
    const fail = (what: string) => new Error(`emGuard: the saved baseline in ${dir} does not fit this fit: ${what}. Load a baseline saved for this model and these probes, or omit \`baseline\` to capture a new one`);
    if (saved.weightsSha256 !== weightsFingerprint(model)) throw fail('it was captured from other weights (the model must be the one it was saved from, before any training)');
    if (saved.layers.join('\u0000') !== this.layers.join('\u0000')) throw fail(`it watches layers [${saved.layers.join(', ')}], this fit [${this.layers.join(', ')}]`);
    if (saved.pooling !== this.captureModel!.pooling) throw fail(`it pooled with \`${saved.pooling}\`, this fit with \`${this.captureModel!.pooling}\``);
    for (const [name, sha] of Object.entries(this.probeFingerprints())) {
      if (!saved.activations.has(name)) throw fail(`it has no \`${name}\` probe set`);
      if (saved.probesSha256[name] !== sha) throw fail(`probes.${name} differ from the ones it was captured with`);
    }
    return saved;
  }

  /** sha256 of each baseline probe set's inputs: what ties a saved baseline to these probes. */
  private probeFingerprints(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, inputs] of this.probeSets(this.args.probes)) out[name] = tensorsFingerprint(probeTensors(inputs));
    return out;
  }

  /** Writes this fit's baseline to `<runDir>/baseline` in the background (awaited with the checkpoints). */
  private saveBaseline(model: tf.LayersModel, values: Record<string, number | null>): void {
    const dir = join(this.runDir!, 'baseline');
    const saved: SavedBaseline = { weightsSha256: weightsFingerprint(model), layers: [...this.layers], pooling: this.captureModel!.pooling, activations: new Map(this.baselineActs), values: { ...values }, probesSha256: this.probeFingerprints() };
    this.trackWrite(
      writeSavedBaseline(dir, saved).then(() => {
        this.logger.info({ event: 'baseline-saved', path: dir }, `em-guard saved the baseline to ${dir} (load it with \`baseline: '${dir}'\`)`);
        return dir;
      }),
      0,
      'baseline',
    );
  }

  private firingUnsafe(): boolean {
    return this.policy.rules.some((r) => this.firing.has(r.name) && r.severity !== 'info');
  }

  private *probeSets(probes: EmGuardProbes): Generator<[string, ProbeInputs]> {
    yield ['train', probes.train];
    yield ['eval', probes.eval];
    if (probes.contrast) {
      yield ['contrast.aligned', probes.contrast.aligned];
      yield ['contrast.misaligned', probes.contrast.misaligned];
    }
  }

  private baselineContext(model: tf.LayersModel): BaselineContext {
    const cap = this.captureModel!;
    return { model, layers: this.layers, probes: this.args.probes, activations: this.baselineActs, capture: (inputs) => cap.capture(inputs) };
  }

  /** Runs every metric on `current` activations and returns a snapshot with copied numbers only. */
  private async computeSnapshot(model: tf.LayersModel, current: Map<string, LayerActivations>, at: SnapshotPoint, outputs?: ReadonlyMap<string, ModelOutput>): Promise<CheckEvent> {
    const { step, epoch } = at;
    const tm = performance.now();
    const values: Record<string, number | null> = {};
    const reasons: Record<string, string> = {};
    const core = computeCoreMetrics(this.layers, this.baselineActs, current, this.policy.check.rank, this.args.seed ?? 0, this.wantedCore, this.scratch);
    Object.assign(values, core.perLayer);
    Object.assign(reasons, core.reasons);
    for (const [name, better] of Object.entries(CORE_METRICS)) {
      if (!this.wantedCore.has(name as CoreMetricName)) continue;
      values[name] = aggregateLayers(this.layers.map((l) => core.perLayer[`${name}@${l}`] ?? null), better);
      if (values[name] === null) reasons[name] = reasons[`${name}@${this.layers[0]}`] ?? 'null on every layer';
    }
    const ctx: CheckContext = { ...this.baselineContext(model), activations: current, baseline: this.baselineActs, step, epoch, ...(outputs ? { outputs } : {}) };
    for (const p of this.metricPlugins) {
      try {
        const r = await p.compute(ctx);
        values[p.name] = r.value;
        if (r.value === null) reasons[p.name] = r.reason ?? 'no value';
        for (const [layer, v] of Object.entries(r.perLayer ?? {})) values[`${p.name}@${layer}`] = v;
      } catch (e) {
        values[p.name] = null;
        reasons[p.name] = `metric threw: ${(e as Error).message}`;
        this.logger.error({ event: 'metric-error', metric: p.name, err: e }, `em-guard: metric ${p.name} failed: ${(e as Error).message}`);
      }
    }
    values.loss = at.loss ?? null;
    if (values.loss === null) reasons.loss = at.loss === undefined ? 'baseline (no training yet)' : 'no finite loss since the last check';
    values.nonfinite = at.nonfinite ? 1 : 0;
    const metricsMs = performance.now() - tm;
    return { step, epoch, values, reasons, timingsMs: { metrics: metricsMs } };
  }

  private async runCheck(capture: boolean): Promise<void> {
    const model = this.lmodel;
    let snapshot: CheckEvent;
    let captureMs = 0;
    const loss = this.takeLoss();
    if (capture) {
      const tc = performance.now();
      const current = new Map<string, LayerActivations>();
      if (this.captureTrain) current.set('train', await this.captureModel!.capture(this.args.probes.train));
      current.set('eval', await this.captureModel!.capture(this.args.probes.eval));
      captureMs = performance.now() - tc;
      snapshot = await this.computeSnapshot(model, current, { step: this.step, epoch: this.epoch, loss, nonfinite: this.sawNonFinite });
    } else {
      // Non-finite loss: the weights are already broken; a forward pass would only produce NaNs.
      snapshot = { step: this.step, epoch: this.epoch, values: { nonfinite: 1, loss: null }, reasons: { loss: 'non-finite batch loss' }, timingsMs: { metrics: 0 } };
    }
    await this.decide(snapshot, { capture: captureMs }, null);
  }

  /** Mean finite batch loss since the last check (null if none); starts the next window. */
  private takeLoss(): number | null {
    const loss = this.lossCount > 0 ? this.lossSum / this.lossCount : null;
    this.lossSum = 0;
    this.lossCount = 0;
    return loss;
  }

  /**
   * Starts a check on the capture worker: copies the weights now (this step is the one checked)
   * and returns; the verdict is applied by `finishPending` at a later batch end, as soon as the
   * worker answers (at the latest before the next check, a non-finite loss or the end of `fit`).
   */
  private async beginWorkerCheck(): Promise<void> {
    const t0 = performance.now();
    const model = this.lmodel;
    const every = this.policy.checkpoint.every;
    // The weights of this step become the periodic checkpoint if the verdict says safe.
    const candidate = every !== null && (this.checks + 1) % every.checks === 0 ? await this.takeCandidate() : null;
    const sets = this.captureTrain ? ['train', 'eval'] : ['eval'];
    const outputs = this.args.probes.alignment ? ['alignment'] : [];
    const pending: PendingCheck = {
      at: { step: this.step, epoch: this.epoch, loss: this.takeLoss(), nonfinite: this.sawNonFinite },
      promise: this.worker!.capture(model, sets, outputs),
      result: null,
      error: null,
      candidate,
      postMs: 0,
    };
    pending.promise.then(
      (r) => (pending.result = r),
      (e: unknown) => (pending.error = e as Error),
    );
    pending.postMs = performance.now() - t0;
    this.pending = pending;
  }

  /** Applies the verdict of the check running on the worker (waits for it if needed). */
  private async finishPending(): Promise<void> {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    await p.promise.catch(() => undefined);
    if (!p.result) {
      this.discardCandidate(p.candidate);
      this.logger.error({ event: 'capture-worker-error', step: p.at.step, err: p.error }, `em-guard: the capture worker failed (${p.error?.message ?? 'no result'}); checking inline from now on`);
      void this.worker?.release({ discard: true });
      this.worker = null;
      // The lost check is redone now, inline, on the current weights; its loss window (taken as
      // one mean) goes back into the running one.
      if (typeof p.at.loss === 'number') {
        this.lossSum += p.at.loss;
        this.lossCount += 1;
      }
      await this.runCheck(true);
      return;
    }
    const current = new Map<string, LayerActivations>(p.result.activations);
    const snapshot = await this.computeSnapshot(this.lmodel, current, p.at, p.result.outputs);
    await this.decide(snapshot, { capture: p.postMs, workerCapture: p.result.workerMs }, p.candidate);
  }

  /** Waits for and applies a check still on the worker, so checks are decided in order. */
  private async drainPending(): Promise<void> {
    if (this.pending) await this.finishPending();
  }

  private async takeCandidate(): Promise<CheckpointCandidate> {
    if (this.store) return { kind: 'store', state: await this.store.captureState(this.lmodel, this.args.saveOptimizer ?? true) };
    return { kind: 'memory', weights: this.lmodel.getWeights().map((w) => w.clone()) };
  }

  private discardCandidate(c: CheckpointCandidate | null): void {
    if (c?.kind === 'memory') tf.dispose(c.weights);
  }

  /** Evaluates the policy on a snapshot, records it, runs the actions and the periodic checkpoint. */
  private async decide(snapshot: CheckEvent, captureTimings: Record<string, number>, candidate: CheckpointCandidate | null): Promise<void> {
    const model = this.lmodel;
    const captureMs = captureTimings.capture ?? 0;
    this.checks += 1;

    const tp = performance.now();
    const { decisions, state } = evaluatePolicy(this.policy, this.policyState!, snapshot);
    this.policyState = state;
    const policyMs = performance.now() - tp;

    const ti = performance.now();
    snapshot.timingsMs = { ...captureTimings, metrics: snapshot.timingsMs.metrics ?? 0, policy: policyMs };
    this.runLog?.append({ type: 'check', step: snapshot.step, epoch: snapshot.epoch, values: snapshot.values, reasons: snapshot.reasons, timingsMs: snapshot.timingsMs });
    this.lastSnapshot = snapshot;
    this.emit('check', snapshot);

    const nowFiring = new Set(decisions.map((d) => d.rule));
    const ran = new Set<string>();
    for (const d of decisions) {
      this.logDecision(d);
      this.emit('breach', d);
      if (this.firing.has(d.rule)) continue; // Actions run once per firing episode.
      for (const name of d.actions) {
        if (ran.has(name)) continue;
        ran.add(name);
        const action = this.actions.get(name);
        if (!action) {
          this.logger.error({ event: 'unknown-action', action: name, rule: d.rule }, `em-guard: rule ${d.rule} names unknown action ${name}`);
          continue;
        }
        try {
          await action.run({ decision: d, decisions, step: this.step, epoch: this.epoch, model, guard: this.controls() });
        } catch (e) {
          this.logger.error({ event: 'action-error', action: name, rule: d.rule, err: e }, `em-guard: action ${name} failed: ${(e as Error).message}`);
        }
      }
    }
    this.firing = nowFiring;

    // Periodic safe checkpoints while nothing worse than `info` fires.
    const every = this.policy.checkpoint.every;
    if (every && periodicSafeCheckpointDue(this.policy, this.checks, decisions) && this.stopReason === null) {
      if (candidate) await this.commitCandidate(candidate, snapshot, `periodic (every ${every.checks} checks)`);
      else await this.checkpoint(`periodic (every ${every.checks} checks)`, true, false);
    } else {
      this.discardCandidate(candidate);
    }
    const ioMs = performance.now() - ti;
    this.timings.checks += 1;
    this.timings.capture += captureMs;
    this.timings.metrics += snapshot.timingsMs.metrics ?? 0;
    this.timings.policy += policyMs;
    this.timings.io += ioMs;
  }

  private logDecision(d: Decision): void {
    this.runLog?.append({ type: 'decision', step: d.step, epoch: d.epoch, rule: d.rule, metric: d.metric, ...(d.layer ? { layer: d.layer } : {}), value: d.value, threshold: d.threshold, op: d.op, severity: d.severity, actions: [...d.actions], summary: d.summary });
    this.logger[levelFor(d.severity)](
      { event: 'decision', rule: d.rule, metric: d.metric, value: d.value, threshold: d.threshold, step: d.step, epoch: d.epoch, layer: d.layer ?? null, severity: d.severity, actions: d.actions, runDir: this.runDir },
      d.summary,
    );
  }

  private stop(d: Decision): void {
    this.lmodel.stopTraining = true;
    if (this.stopReason) return;
    this.stopReason = { rule: d.rule, metric: d.metric, value: d.value, threshold: d.threshold, step: d.step, epoch: d.epoch, summary: d.summary };
    this.runLog?.append({ type: 'abort', step: d.step, epoch: d.epoch, rule: d.rule, metric: d.metric, value: d.value, threshold: d.threshold, summary: d.summary });
    this.logger.error(
      { event: 'abort', rule: d.rule, metric: d.metric, value: d.value, threshold: d.threshold, step: d.step, epoch: d.epoch, layer: d.layer ?? null, severity: d.severity, runDir: this.runDir },
      `em-guard aborted training at step ${d.step} (epoch ${d.epoch}): ${d.summary} [rule ${d.rule}]`,
    );
    this.emit('abort', this.stopReason);
  }

  /**
   * Writes a checkpoint of the current weights. With `wait: false` (periodic and baseline
   * checkpoints) the weights are copied now and written while training goes on; the record, the
   * event and the rollback target appear once the checkpoint is durable. Rollbacks and the end of
   * `fit` wait for pending writes (`settleCheckpoints`).
   */
  private async checkpoint(reason: string, safe: boolean, wait = true): Promise<string> {
    const metrics = this.lastSnapshot ? { ...this.lastSnapshot.values } : {};
    return this.keepCheckpoint(await this.takeCandidate(), { step: this.step, epoch: this.epoch }, metrics, safe, reason, wait);
  }

  /** Keeps the weights copied at a check (now known safe) as a periodic checkpoint. */
  private async commitCandidate(c: CheckpointCandidate, snapshot: CheckEvent, reason: string): Promise<void> {
    await this.keepCheckpoint(c, { step: snapshot.step, epoch: snapshot.epoch }, { ...snapshot.values }, true, reason, false);
  }

  /**
   * Stores copied weights as a checkpoint of step `at`: in memory at once, or on disk in the
   * background (awaited only with `wait`). Resolves to its id (`pending:<step>` while unwritten).
   */
  private async keepCheckpoint(c: CheckpointCandidate, at: { step: number; epoch: number }, metrics: Record<string, number | null>, safe: boolean, reason: string, wait: boolean): Promise<string> {
    if (c.kind === 'memory') {
      this.memory ??= new MemorySnapshots({ keep: this.policy.checkpoint.keep });
      this.memory.adopt(c.weights, { ...at, safe, metrics });
      return this.recordCheckpoint(`memory:${at.step}`, at, safe, reason);
    }
    const { written } = this.store!.saveCaptured(c.state, { ...at, metrics, safe, reason, includeOptimizer: c.state.optimizer !== null });
    const recorded = written.then((manifest) => this.recordCheckpoint(manifest.id, at, safe, reason));
    if (wait) return recorded;
    this.trackWrite(recorded, at.step, reason);
    return `pending:${at.step}`;
  }

  private trackWrite(recorded: Promise<string>, step: number, reason: string): void {
    this.pendingCheckpoints = Promise.all([
      this.pendingCheckpoints,
      recorded.catch((e: unknown) => {
        // A failed background write loses that checkpoint only; training and older ones are intact.
        this.logger.error({ event: 'checkpoint-error', step, reason, err: e }, `em-guard: writing the checkpoint of step ${step} failed: ${(e as Error).message}`);
      }),
    ]).then(() => undefined);
  }

  /** Resolves once every background checkpoint write has finished (logged if it failed). */
  private async settleCheckpoints(): Promise<void> {
    await this.pendingCheckpoints;
  }

  private recordCheckpoint(id: string, at: { step: number; epoch: number }, safe: boolean, reason: string): string {
    if (safe && (!this.lastSafe || at.step >= this.lastSafe.step)) this.lastSafe = { id, step: at.step };
    this.runLog?.append({ type: 'checkpoint', step: at.step, epoch: at.epoch, id, safe, reason, ...(this.runDir ? { path: join(this.runDir, 'checkpoints', id) } : {}) });
    this.logger.info({ event: 'checkpoint', id, step: at.step, epoch: at.epoch, safe, reason, runDir: this.runDir }, `em-guard checkpoint ${id} (${safe ? 'safe' : 'unsafe'}): ${reason}`);
    this.emit('checkpoint', { id, step: at.step, epoch: at.epoch, safe, reason });
    return id;
  }

  private async rollback(reason: string): Promise<string | null> {
    const model = this.lmodel;
    await this.settleCheckpoints(); // the newest safe checkpoint may still be on its way to disk
    if (!this.lastSafe) {
      this.logger.error({ event: 'rollback-unavailable', step: this.step, reason }, 'em-guard: rollback requested but no safe checkpoint exists');
      return null;
    }
    let to: string;
    let toStep: number;
    if (this.store) {
      const manifest = await this.store.restoreInto(model, 'last-safe', { restoreOptimizer: this.args.saveOptimizer ?? true, fallback: true });
      to = manifest.id;
      toStep = manifest.step;
    } else {
      const snap = await this.memory!.restoreInto(model, 'last-safe');
      to = `memory:${snap.step}`;
      toStep = snap.step;
    }
    this.runLog?.append({ type: 'rollback', step: this.step, epoch: this.epoch, to, toStep, by: 'fit' });
    this.logger.warn({ event: 'rollback', to, toStep, step: this.step, epoch: this.epoch, reason, runDir: this.runDir }, `em-guard rolled the model back to ${to} (step ${toStep}): ${reason}`);
    this.emit('rollback', { to, toStep, step: this.step, epoch: this.epoch });
    return to;
  }
}

/** Creates the em-guard callback: `model.fit(x, y, { callbacks: [emGuard({ probes })] })`. */
export function emGuard(args: EmGuardArgs): EmGuard {
  return new EmGuard(args);
}
