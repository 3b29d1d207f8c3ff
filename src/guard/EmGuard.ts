import * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import type { WeightsCopy } from '../checkpoints/checkpointTarget.js';
import { installInterruptHandler } from '../checkpoints/interruptHandler.js';
import { evaluatePolicy, nonfiniteValue, type PolicyEvaluation } from '../policy/evaluatePolicy.js';
import { keepsSafeCheckpoints, periodicSafeCheckpointDue } from '../policy/safeCheckpoints.js';
import type { Decision, Policy, PolicyState } from '../policy/types.js';
import type { WorkerVerdict } from '../probes/captureWorkerProtocol.js';
import { resolveLayers } from '../probes/resolveLayers.js';
import { resolveWorkerImports } from '../probes/resolveWorkerImports.js';
import { validateProbes } from '../probes/validateProbes.js';
import { ActionRunner } from './ActionRunner.js';
import type { BuiltinMetricJob } from './builtinMetricJob.js';
import { CheckRunner, type CapturedCheck } from './CheckRunner.js';
import { computeSnapshot, nonFiniteActivationsSnapshot, nonFiniteSnapshot, type SnapshotSetup } from './computeSnapshot.js';
import { describeNonFinite, findNonFiniteActivations } from './findNonFiniteActivations.js';
import { fitBaseline } from './fitBaseline.js';
import { fitTotalSteps } from './fitTotalSteps.js';
import type { EmGuardArgs } from './emGuardArgs.js';
import { findUnevaluableRules, UnevaluableRulesError } from './findUnevaluableRules.js';
import { GuardCheckpoints } from './GuardCheckpoints.js';
import type { CheckEvent, EmGuardEvents, GuardTimings, StopReason } from './guardEvents.js';
import { GuardRecorder, newRunId } from './GuardRecorder.js';
import { guardPlugins } from './guardPlugins.js';
import { mitigationSetup, mitigationValues, readsLearningRate } from './mitigationSetup.js';
import { planChecks, type CheckPlan } from './planChecks.js';
import type { ActionPlugin, GuardControls, MetricPlugin } from './pluginTypes.js';
import { resolvePolicy, validateEmGuardArgs } from './validateEmGuardArgs.js';

export type { StopReason, CheckEvent, CheckpointEvent, RollbackEvent, NoticeEvent, EmGuardEvents, GuardTimings } from './guardEvents.js';

/**
 * Whether the capture worker computes the metric plugins of a fit whose plugins are all built-in
 * (`CheckRunner.useWorkerMetrics`). Not part of the package's API: off only to compare both ways
 * in tests and benches.
 */
let workerVerdict = true;

/** Test and bench only: how many checks' policy evaluations were taken from the worker in this process. */
export const workerVerdictCounts = { taken: 0 };

/** Test and bench only: whether the worker computes the built-in metrics (`workerVerdict`); returns the previous setting. */
export function setWorkerVerdictForTests(on: boolean): boolean {
  const before = workerVerdict;
  workerVerdict = on;
  return before;
}

/**
 * The training-loop callback: on the policy's schedule a check captures probe activations
 * (`CheckRunner`), computes the metrics (`computeSnapshot`), evaluates the policy and runs its
 * actions (warn, checkpoint, abort, rollback); `GuardRecorder` tells the run log, pino and the
 * events. A `tf.CustomCallback` built on the user's tfjs, so it mixes with other callbacks.
 */
export class EmGuard extends tf.CustomCallback {
  readonly policy: Policy;
  /** Set when the guard stopped training; null otherwise. Reset at each `fit`. */
  stopReason: StopReason | null = null;
  /** The run directory of the current (or last) `fit`, or null with `runDir: false`. */
  runDir: string | null = null;
  /** Time spent in the guard during the last `fit`. */
  timings: GuardTimings = { checks: 0, capture: 0, metrics: 0, policy: 0, io: 0, total: 0 };
  /** The last metric snapshot (copied numbers only). */
  lastSnapshot: CheckEvent | null = null;
  /** Id of the current (or last) run: `<UTC timestamp>-<6 hex>`, also in every log line and run-log record. */
  get runId(): string {
    return this.currentRunId;
  }
  /** Where the next check runs its forward passes: `worker` once the capture worker is up, else `inline`. */
  get captureWhere(): 'worker' | 'inline' {
    return this.runner?.where ?? 'inline';
  }

  private readonly args: EmGuardArgs;
  private readonly recorder: GuardRecorder;
  private readonly metricPlugins: MetricPlugin[];
  private readonly actions: ReadonlyMap<string, ActionPlugin>;
  private readonly plan: CheckPlan;
  /** A rule lists `reduce-lr`, so each check reads the optimizer's learning rate (`mitigationValues`). */
  private readonly readsLr: boolean;

  // Per-fit state, reset in onTrainBegin.
  private runner: CheckRunner | null = null;
  private checkpoints: GuardCheckpoints | null = null;
  private setup: SnapshotSetup | null = null;
  private policyState: PolicyState | null = null;
  /**
   * While the worker evaluates the policy (`settleBaseline`): the number of the state it started
   * from (`gen`, a new one each time this thread evaluates itself) and how many checks into it the
   * state held here is (`n`): a worker verdict is taken only when it says the same. Null otherwise.
   */
  private policyTag: { gen: number; n: number } | null = null;
  private policyGens = 0;
  private step = 0;
  /** The fit's last batch (`fitTotalSteps`), or null when tfjs does not say. */
  private lastStep: number | null = null;
  private epoch = 0;
  private checks = 0;
  private rulesOff = new Set<string>();
  private actionRunner: ActionRunner | null = null;
  private uninstallSignals: (() => void) | null = null;
  private currentRunId = '';
  private attached: tf.LayersModel | null = null;
  private mixerControl: GuardControls['mixer'] = null;
  /** What actions may do to the run (`controls()`), made once per fit. */
  private guardControls: GuardControls | null = null;
  /** The last check's captured activations held a non-finite value (its notice is said once per such run of checks). */
  private activationsNonFinite = false;

  constructor(args: EmGuardArgs) {
    super({}, 'never');
    validateEmGuardArgs(args);
    this.args = args;
    ({ actions: this.actions, metrics: this.metricPlugins } = guardPlugins(args.plugins));
    this.policy = resolvePolicy(args.policy);
    this.readsLr = readsLearningRate(this.policy);
    this.plan = planChecks(
      this.policy,
      args.metrics ?? 'policy',
      args.probes,
      this.metricPlugins,
      args.plugins?.metrics?.length ?? 0,
      args.saveBaseline === true,
    );
    this.recorder = new GuardRecorder(args.logger ?? pino({ level: 'silent' }));
  }

  on<E extends keyof EmGuardEvents>(event: E, listener: EmGuardEvents[E]): this {
    this.recorder.events.on(event, listener as never);
    return this;
  }

  once<E extends keyof EmGuardEvents>(event: E, listener: EmGuardEvents[E]): this {
    this.recorder.events.once(event, listener as never);
    return this;
  }

  off<E extends keyof EmGuardEvents>(event: E, listener?: EmGuardEvents[E]): this {
    this.recorder.events.off(event, listener as never);
    return this;
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

  override async onTrainBegin(): Promise<void> {
    const t0 = performance.now();
    this.resetRunState();
    const model = this.lmodel;
    const { args, policy } = this;
    this.mixerControl = mitigationSetup(policy, args.mixer, this.params);
    this.lastStep = fitTotalSteps(this.params);
    const probeCounts = validateProbes(args.probes, model);
    const layers = resolveLayers(model, args.layers ?? policy.check.layers);
    const workerImports = resolveWorkerImports(args.workerImports);
    const unevaluable = findUnevaluableRules(policy, args.probes, layers, this.metricPlugins);
    if (unevaluable.length > 0 && (args.unevaluable ?? 'error') === 'error') throw new UnevaluableRulesError(policy, unevaluable);
    // Rules off for this fit: said once here (with `warn`), not again as runtime notices at each episode.
    this.rulesOff = new Set(unevaluable.filter((u) => u.code === 'unevaluable-rule').map((u) => u.rule));

    this.currentRunId = newRunId();
    this.runDir = args.runDir === false ? null : resolve(args.runDir ?? join('runs', this.currentRunId));
    this.recorder.beginRun(this.currentRunId, this.runDir);
    const checkpoints = (this.checkpoints = GuardCheckpoints.forRun(this.runDir, policy.checkpoint, args.saveOptimizer ?? true, this.recorder));
    const options = { pooling: args.pooling ?? policy.check.pooling, batchSize: args.probeBatchSize ?? policy.check.batchSize };
    const notify = (code: string, message: string, fields?: Record<string, unknown>) =>
      this.recorder.notice({ code, message, step: this.step, epoch: this.epoch }, fields);
    const runner = (this.runner = new CheckRunner(model, layers, options, args.probes, this.plan, this.recorder, (c) => checkpoints.discard(c), notify, {
      rank: policy.check.rank,
      seed: args.seed ?? 0,
    }));
    this.recorder.start(policy, layers, tf.getBackend(), probeCounts, args.meta);
    if (args.unevaluable === 'warn')
      for (const u of unevaluable) this.recorder.notice({ code: u.code, message: u.message, step: 0, epoch: 0, rule: u.rule, metric: u.metric });
    runner.startWorker(args.capture ?? 'auto', args.plugins?.metrics?.length ?? 0, workerImports);
    // Baseline: activations of the unmodified model, before the first step (or a saved one). On a
    // warm capture worker it is captured there while the first batches train, settled before the
    // first verdict; otherwise now.
    if (args.baseline !== undefined || !runner.startBaselineOnWorker(args.plugins?.metrics?.length ?? 0)) await this.settleBaseline();

    // The pre-fine-tuning weights are the first safe point to roll back to.
    if (keepsSafeCheckpoints(policy)) await this.checkpoint('baseline', true, false);
    if (args.handleSignals) {
      this.uninstallSignals = installInterruptHandler({
        onInterrupt: async (signal) => {
          this.recorder.logger.warn({ event: 'interrupt', signal, step: this.step }, `em-guard: ${signal} received, writing a final checkpoint and stopping`);
          await this.checkpoint(`interrupted by ${signal}`, !(this.actionRunner?.firingUnsafe() ?? false));
          this.lmodel.stopTraining = true;
        },
      });
    }
    this.timings.total += performance.now() - t0;
  }

  override async onBatchEnd(_batch: number, logs?: tf.Logs): Promise<void> {
    const t0 = performance.now();
    const runner = this.runner!;
    this.step += 1;
    // Copy the number out: tfjs disposes the logs' scalars right after this hook. They are still
    // Scalars here because this override bypasses CustomCallback's own resolution.
    runner.addLoss(logs?.loss);
    const every = this.policy.check.every;
    // A worker verdict that has arrived is applied at the first batch end after it. Most batch ends
    // have nothing to take: `poll` then answers without a promise to wait for.
    const polled = runner.poll();
    if (polled === true || (polled !== false && (await polled))) await this.decidePending();
    if (runner.sawNonFinite) {
      // Like Keras TerminateOnNaN: decide on this batch, without waiting for the schedule.
      await this.decidePending();
      runner.takeWindow();
      await this.decide(nonFiniteSnapshot(this.step, this.epoch), { capture: 0 }, null);
    } else if ('batches' in every && this.step % every.batches === 0) {
      await this.scheduledCheck();
    }
    this.timings.total += performance.now() - t0;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }

  override async onEpochEnd(epoch: number): Promise<void> {
    const t0 = performance.now();
    const every = this.policy.check.every;
    if (this.runner!.settled) await this.decidePending();
    if ('epochs' in every && (epoch + 1) % every.epochs === 0 && !this.lmodel.stopTraining) await this.scheduledCheck();
    this.epoch = epoch + 1;
    this.timings.total += performance.now() - t0;
  }

  override async onTrainEnd(): Promise<void> {
    const t0 = performance.now();
    this.uninstallSignals?.();
    this.uninstallSignals = null;
    // The last check's verdict still counts (its abort comes too late to stop, its rollback does not).
    await this.decidePending();
    await this.settleBaseline(); // a fit shorter than one check still records its baseline
    // `fit` resolves only after every checkpoint is durable and in the run log.
    await this.checkpoints!.settle();
    await this.recorder.end(this.step, this.epoch, this.stopReason, this.checks, this.timings.total + performance.now() - t0);
    this.timings.io += performance.now() - t0;
    this.timings.total += performance.now() - t0;
    this.releaseFitResources();
  }

  /** Frees the in-memory snapshots (their cloned tensors). Call when you no longer need the guard. */
  dispose(): void {
    this.releaseFitResources();
    this.checkpoints?.dispose();
    this.checkpoints = null;
  }

  /** A check on the policy's schedule, after the previous one's verdict. */
  private async scheduledCheck(): Promise<void> {
    const runner = this.runner!;
    // Usually the previous verdict was applied at an earlier batch end: nothing to wait for then.
    if (runner.hasPending) await this.decidePending();
    const model = this.lmodel;
    if (model.stopTraining) return;
    const every = this.policy.checkpoint.every;
    // The weights of this step become the periodic checkpoint if the verdict says safe.
    const due = every !== null && (this.checks + 1) % every.checks === 0;
    const started = runner.start(this.step, this.epoch, due ? this.checkpoints!.copyAt(model) : null, this.step === this.lastStep);
    if (started) await started;
    // Captured inline: decided at the checked batch. On the worker: at a later batch end.
    if (runner.settled) await this.decidePending();
  }

  /** The fit's baseline (`fitBaseline`), once: from a hook, before the first verdict. */
  private async settleBaseline(): Promise<void> {
    if (this.setup) return;
    const { args, policy, plan, recorder, runDir } = this;
    const [runner, checkpoints] = [this.runner!, this.checkpoints!];
    const base = await fitBaseline({ runner, model: this.lmodel, args, policy, plan, plugins: this.metricPlugins, recorder, checkpoints, runDir });
    this.timings.capture += base.captureMs;
    this.policyState = base.policyState;
    this.setup = base.setup;
    // Every metric plugin built in (the default), none needing this thread: the worker computes them,
    // and evaluates the policy on them unless a check's snapshot also holds values read here (the
    // learning rate, the mixer's share: `mitigationValues`).
    if (workerVerdict && (args.plugins?.metrics?.length ?? 0) === 0) {
      const jobs: BuiltinMetricJob[] = [];
      for (const p of base.setup.plugins) {
        const job = p.workerJob?.() ?? null;
        if (!job) return;
        jobs.push(job);
      }
      const onWorker = !this.readsLr && !this.mixerControl;
      if (onWorker) this.policyTag = { gen: ++this.policyGens, n: 0 };
      const names = base.setup.plugins.map((p) => p.name);
      const sent = runner.useWorkerMetrics(jobs, names, onWorker ? { policy: this.policy, state: base.policyState, gen: this.policyTag!.gen } : undefined);
      if (!sent || !onWorker) this.policyTag = null;
    }
  }

  /**
   * The policy's evaluation of `snapshot`: the worker's (`verdict`) when it started from the state
   * held here and read the same checked point, else evaluated here (then its state goes to the
   * worker, whose next evaluations would start from another). Both by `evaluatePolicy` on the same
   * values: the same decisions, state and notices.
   */
  private evaluate(snapshot: CheckEvent, verdict: WorkerVerdict | undefined): PolicyEvaluation {
    const tag = this.policyTag;
    if (tag && verdict && verdict.gen === tag.gen && verdict.n === tag.n && verdict.step === snapshot.step && Object.is(verdict.loss, snapshot.values.loss)) {
      tag.n += 1;
      workerVerdictCounts.taken += 1;
      const s = verdict.state;
      const state: PolicyState = Object.freeze({
        checks: s.checks,
        consecutive: Object.freeze(s.consecutive),
        baseline: this.policyState!.baseline,
        unevaluable: Object.freeze(s.unevaluable),
      });
      return { decisions: verdict.decisions, state, notices: verdict.notices };
    }
    const evaluation = evaluatePolicy(this.policy, this.policyState!, snapshot);
    if (tag) {
      this.policyTag = { gen: ++this.policyGens, n: 0 };
      this.runner!.setWorkerPolicyState(evaluation.state, this.policyTag.gen);
    }
    return evaluation;
  }

  /**
   * Computes the metrics of the pending check (waiting for its capture) and decides on them.
   * Returns a promise only when something has to be waited for (the capture, the baseline, an
   * async metric plugin, an action, a checkpoint): a check captured and settled by the time of its
   * verdict (the worker's reply, taken at `poll`) with quiet actions is decided synchronously.
   * Each promise hop skipped there measured tens of µs of training-thread wall per verdict in a fit
   * (cold code and the microtasks queued behind it), ≈ 1–2 ms per fit over ≈ 10 hops.
   */
  private decidePending(): Promise<void> | undefined {
    const runner = this.runner!;
    if (!runner.hasPending) return undefined;
    const captured = this.setup ? runner.takeSettled() : null;
    return captured ? this.decideCaptured(captured) : this.decidePendingLater();
  }

  private async decidePendingLater(): Promise<void> {
    const captured = await this.runner!.finish({ step: this.step, epoch: this.epoch });
    if (!captured) return;
    await this.settleBaseline();
    await this.decideCaptured(captured);
  }

  private decideCaptured(captured: CapturedCheck): Promise<void> | undefined {
    // Broken weights give non-finite activations, also when the losses stayed finite (broken after
    // the checked batch's loss, or a loss that clips NaN): the check reads `nonfinite` and the policy
    // decides, as for a non-finite loss.
    // Metrics computed on the worker come only with every captured value finite (it looked).
    const bad = captured.metrics ? null : findNonFiniteActivations(captured.activations, captured.outputs, captured.summaries);
    if (bad && !this.activationsNonFinite) {
      const { step, epoch } = captured.at;
      this.recorder.notice({
        code: 'activations-nonfinite',
        message: `the activations captured at step ${step} are not finite (${describeNonFinite(bad)}): the model computes NaN or ±Infinity at this step (usually weights that broke after the batch's loss); the check reads \`nonfinite\` = 1`,
        step,
        epoch,
      });
    }
    this.activationsNonFinite = bad !== null;
    const snapshot = bad
      ? nonFiniteActivationsSnapshot(captured.at, bad)
      : computeSnapshot(this.setup!, captured.activations, captured.outputs, captured.at, captured.summaries, captured.core, captured.metrics);
    if (snapshot instanceof Promise) return snapshot.then((s) => this.decide(s, captured.timings, captured.copy, captured.verdict));
    return this.decide(snapshot, captured.timings, captured.copy, captured.verdict);
  }

  /**
   * Evaluates the policy on a snapshot, records it, runs the actions and the periodic checkpoint;
   * synchronous (undefined) unless an action runs or a checkpoint is kept (`decidePending`).
   */
  private decide(snapshot: CheckEvent, captureTimings: Record<string, number>, copy: WeightsCopy | null, verdict?: WorkerVerdict): Promise<void> | undefined {
    if (!this.setup) return this.settleBaseline().then(() => this.decide(snapshot, captureTimings, copy, verdict));
    const model = this.lmodel;
    this.checks += 1;
    // The share and learning rate in force since the previous check, readable by rules and the report.
    if (this.readsLr || this.mixerControl) Object.assign(snapshot.values, mitigationValues(this.readsLr, this.mixerControl, model));
    const tp = performance.now();
    const { decisions, state, notices } = this.evaluate(snapshot, verdict);
    this.policyState = state;
    const policyMs = performance.now() - tp;
    for (const n of notices)
      if (!this.rulesOff.has(n.rule))
        this.recorder.notice({ code: n.code, message: n.message, step: snapshot.step, epoch: snapshot.epoch, rule: n.rule, metric: n.metric });

    const ti = performance.now();
    snapshot.timingsMs = { ...captureTimings, metrics: snapshot.timingsMs.metrics ?? 0, policy: policyMs };
    this.lastSnapshot = snapshot;
    this.recorder.check(snapshot);

    const acting = this.actionRunner!.run(decisions, { step: this.step, epoch: this.epoch }, model, this.controls());
    if (acting) return acting.then(() => this.afterActions(snapshot, decisions, copy, captureTimings, policyMs, ti));
    return this.afterActions(snapshot, decisions, copy, captureTimings, policyMs, ti);
  }

  /** The end of `decide`: the periodic checkpoint (kept or the copy discarded) and the fit's timings. */
  private afterActions(
    snapshot: CheckEvent,
    decisions: readonly Decision[],
    copy: WeightsCopy | null,
    captureTimings: Record<string, number>,
    policyMs: number,
    ti: number,
  ): Promise<void> | undefined {
    const tally = () => {
      this.timings.checks += 1;
      this.timings.capture += captureTimings.capture ?? 0;
      this.timings.metrics += snapshot.timingsMs.metrics ?? 0;
      this.timings.policy += policyMs;
      this.timings.io += performance.now() - ti;
    };
    // Periodic safe checkpoints while nothing worse than `info` fires.
    const every = this.policy.checkpoint.every;
    // A non-finite reading is never a safe point, whatever the policy says about it: its weights are likely broken.
    if (every && periodicSafeCheckpointDue(this.policy, this.checks, decisions) && this.stopReason === null && nonfiniteValue(snapshot) === 0) {
      const reason = `periodic (every ${every.checks} checks)`;
      const kept = copy
        ? this.checkpoints!.keep(copy, { step: snapshot.step, epoch: snapshot.epoch }, { ...snapshot.values }, true, reason, false)
        : this.checkpoint(reason, true, false);
      return kept.then(tally);
    }
    this.checkpoints!.discard(copy);
    tally();
    return undefined;
  }

  private controls(): GuardControls {
    // Made at the fit's first check, after `onTrainBegin` set the run dir, logger and mixer it hands out.
    return (this.guardControls ??= {
      stop: (d) => this.stop(d),
      checkpoint: (reason, safe, options) => this.checkpoint(reason, safe, options?.background !== true),
      rollback: (reason) => this.checkpoints!.rollback(this.lmodel, { step: this.step, epoch: this.epoch }, reason),
      logger: this.recorder.logger,
      runDir: this.runDir,
      mixer: this.mixerControl,
    });
  }

  private stop(d: Decision): void {
    this.lmodel.stopTraining = true;
    if (this.stopReason) return;
    this.stopReason = { rule: d.rule, metric: d.metric, value: d.value, threshold: d.threshold, step: d.step, epoch: d.epoch, summary: d.summary };
    this.recorder.abort(this.stopReason, d);
  }

  /**
   * Checkpoints the live weights; `wait: false` writes in the background (see GuardCheckpoints.keep):
   * with the capture worker up, the worker packs, hashes and writes the bytes (`CheckRunner.copyOnWorker`),
   * so this thread neither encodes nor hashes them nor runs the file operations' callbacks.
   */
  private async checkpoint(reason: string, safe: boolean, wait = true): Promise<string> {
    const metrics = this.lastSnapshot ? { ...this.lastSnapshot.values } : {};
    const checkpoints = this.checkpoints!;
    const at = { step: this.step, epoch: this.epoch };
    const remote = wait ? null : await this.runner?.copyOnWorker(checkpoints.copyAt(this.lmodel));
    if (remote) return checkpoints.keepLater(remote.done, at, metrics, safe, reason);
    return checkpoints.keep(await checkpoints.copy(this.lmodel), at, metrics, safe, reason, wait);
  }

  private releaseFitResources(): void {
    this.runner?.release();
    this.runner = null;
    for (const p of this.metricPlugins) p.dispose?.();
    this.setup = null;
  }

  private resetRunState(): void {
    this.stopReason = null;
    this.timings = { checks: 0, capture: 0, metrics: 0, policy: 0, io: 0, total: 0 };
    this.lastSnapshot = null;
    this.step = 0;
    this.lastStep = null;
    this.epoch = 0;
    this.checks = 0;
    this.activationsNonFinite = false;
    this.guardControls = null;
    this.actionRunner = new ActionRunner(this.policy, this.actions, this.recorder);
    this.checkpoints?.dispose();
    this.checkpoints = null;
    this.runner?.release();
    this.runner = null;
    this.setup = null;
    this.policyState = null;
    this.policyTag = null;
  }
}

/** Creates the em-guard callback: `model.fit(x, y, { callbacks: [emGuard({ probes })] })`. */
export function emGuard(args: EmGuardArgs): EmGuard {
  return new EmGuard(args);
}
