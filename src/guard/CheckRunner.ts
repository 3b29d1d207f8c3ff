import * as tf from '@tensorflow/tfjs';
import type { PackedCopy, WeightsCopy } from '../checkpoints/checkpointTarget.js';
import { packTensors } from '../checkpoints/packedModelState.js';
import { captureOutput, type AnswerScoring, type ModelOutput } from '../probes/captureOutput.js';
import { classesUnknownToWorker } from '../probes/classesUnknownToWorker.js';
import { ProbeCapture } from '../probes/ProbeCapture.js';
import { answerScoringOf, probeSetInputs } from '../probes/probeSets.js';
import type { EmGuardProbes, Pooling, ProbeInputs } from '../probes/probeTypes.js';
import { wasmHeapView } from '../probes/sharedWeights.js';
import { WorkerCapture, type CaptureTicket, type WorkerCaptureResult } from '../probes/WorkerCapture.js';
import type { CoreMetricsSpec, MetricJobsRequest, WorkerVerdict } from '../probes/captureWorkerProtocol.js';
import type { PolicyState } from '../policy/policyState.js';
import type { BuiltinMetricJob } from './builtinMetricJob.js';
import type { CoreSnapshotValues } from './computeCoreMetrics.js';
import type { ActivationSummaries, SnapshotPoint } from './computeSnapshot.js';
import type { CheckCopy } from './GuardCheckpoints.js';
import type { GuardRecorder } from './GuardRecorder.js';
import type { CheckPlan } from './planChecks.js';
import type { LayerActivations, MetricResult } from './pluginTypes.js';
import { loadSavedBaselineFor, type BaselineFit } from './savedBaseline.js';

const NO_SETS: readonly string[] = Object.freeze([]);

/** A check whose forward passes are done: what its metrics and verdict are computed from. */
export interface CapturedCheck {
  at: SnapshotPoint;
  activations: ReadonlyMap<string, LayerActivations>;
  outputs: ReadonlyMap<string, ModelOutput>;
  /** Sets reduced where captured (the worker; `CheckPlan.summarizeEval`), absent from `activations`. */
  summaries?: ActivationSummaries;
  /** The core metrics, when the worker computed them from its eval summaries (`computeSnapshot`'s `given`). */
  core?: CoreSnapshotValues;
  /**
   * The metric plugins' results, in order, when the worker computed them (`useWorkerMetrics`):
   * it found every captured value finite, and `outputs` is empty.
   */
  metrics?: readonly MetricResult[];
  /** The policy as the worker evaluated it on this check (`useWorkerMetrics`' `policy`). */
  verdict?: WorkerVerdict;
  /** Training-thread capture time (`capture`) and, for a worker check, the worker's (`workerCapture`), ms. */
  timings: Record<string, number>;
  /** Weights copied at the checked step, kept as the periodic checkpoint if the verdict is safe. */
  copy: WeightsCopy | null;
}

/** A fit's baseline (`CheckRunner.baseline`). */
export interface CapturedBaseline {
  activations: Map<string, LayerActivations>;
  outputs: Map<string, ModelOutput>;
  /** The metric values of a saved baseline; null when captured. */
  savedValues: Record<string, number | null> | null;
  /** Sets the worker also summarized against themselves (the baseline snapshot's eval summaries). */
  summaries?: ActivationSummaries;
  /** The baseline's core metrics, when the worker computed them from those summaries. */
  core?: CoreSnapshotValues;
}

/** A started check: resolved at once when captured inline, later when the worker answers. */
interface PendingCheck {
  at: SnapshotPoint;
  copy: WeightsCopy | null;
  done: Promise<unknown>;
  result: Omit<CapturedCheck, 'at' | 'copy'> | null;
  error: Error | null;
  /** On the worker: its capture request (`CaptureTicket.id`), answered once `WorkerCapture.waiting` says no. */
  request?: number;
}

/**
 * A logs entry as a number (tfjs passes Scalars to `onBatchEnd`); never disposes it. Read where the
 * wasm backend holds it (`wasmHeapView`: no copy), else with `dataSync` (at every batch, `data()`'s
 * promise machinery cost more than the read itself; `dataSync` allocates a buffer per read).
 */
function readLogNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && typeof (v as tf.Tensor).dataSync === 'function' && !(v as tf.Tensor).isDisposed) {
    const t = v as tf.Tensor;
    return (t.size === 1 ? wasmHeapView(t)?.[0] : undefined) ?? t.dataSync()[0];
  }
  return undefined;
}

/**
 * The longest a guarded fit runs without letting the event loop turn (ms), checked at each batch
 * end: tfjs-layers' own default for a fit without a callback instance (`yieldEvery: 'auto'`, its
 * `DEFAULT_YIELD_EVERY_MS`: a `setImmediate` at a batch end at most every 125 ms). A callback
 * instance such as the guard replaces that (`standardizeCallbacks`), and `fit` then runs batch
 * after batch on promise continuations alone: the user's timers, I/O callbacks and signal
 * handlers, pino's asynchronous destinations and the capture worker's crash or exit event would
 * wait for the end of the fit. So a guarded fit gives the event loop at least what an unguarded
 * one does, whatever the capture mode, without a turn per worker reply: those are taken
 * synchronously (`WorkerCapture.drainReplies`). A turn costs ≈ 0.1 ms p50, and V8 runs the
 * scavenges it has queued there (work moved, not added): at 125 ms, ≈ 8 per second of training.
 */
export const EVENT_LOOP_TURN_EVERY_MS = 125;

/**
 * How the worker's replies are taken: `drain` (the default: synchronously when flagged, an
 * event-loop turn every `EVENT_LOOP_TURN_EVERY_MS`) or `turn` (an event-loop turn whenever a
 * reply is flagged, and no other: the way before the drain, kept to compare both in tests and
 * benches). Not part of the package's API.
 */
let replyPath: 'drain' | 'turn' = 'drain';

/** Test and bench only: selects how `CheckRunner.poll` takes the worker's replies (`replyPath`); returns the previous choice. */
export function setReplyPathForTests(path: 'drain' | 'turn'): 'drain' | 'turn' {
  const before = replyPath;
  replyPath = path;
  return before;
}

/**
 * Lets the event loop run a whole iteration: timers, I/O callbacks, the worker's messages and
 * events. Two immediates: resumed from the check phase (a previous turn, as tfjs's own yield
 * always is), one would do; resumed from the poll phase (a wait for the worker's message), the
 * first runs in the same iteration's check phase, before any timer, and only the second comes
 * after the next timers phase (measured: timer waits of 2 × EVENT_LOOP_TURN_EVERY_MS and more
 * with one, under load).
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/**
 * Runs the probe side of the checks of one fit: the loss window since the last check, and the
 * forward passes of each check on the capture worker (when it is up) or inline. Either way a
 * started check is pending until captured; an inline one is captured before `start` returns. At
 * most one check is pending, so verdicts come in order.
 */
export class CheckRunner {
  readonly capture: ProbeCapture;
  /** A batch loss since the last check was NaN or ±Infinity (the guard then checks at once). */
  sawNonFinite = false;
  private readonly model: tf.LayersModel;
  private readonly probes: EmGuardProbes;
  private readonly plan: CheckPlan;
  private readonly recorder: GuardRecorder;
  private readonly discard: (copy: WeightsCopy | null) => void;
  private readonly notify: (code: string, message: string, fields?: Record<string, unknown>) => void;
  private worker: WorkerCapture | null = null;
  private pending: PendingCheck | null = null;
  /** A baseline started on the worker (`startBaselineOnWorker`), and the step-0 weights until it is in. */
  private workerBaseline: { step0: tf.Tensor[]; done: Promise<WorkerCaptureResult | Error> } | null = null;
  private lossSum = 0;
  private lossCount = 0;
  /**
   * Whether the worker holds the baseline eval activations to summarize checks against
   * (`plan.summarizeEval`): kept from its own baseline capture (`baseline`: until that answers),
   * or sent with a check (`yes`). Without one it returns the activations, summarized here.
   */
  private referenceOnWorker: 'no' | 'baseline' | 'yes' = 'no';
  /** When `poll` (or a wait for the worker) last let the event loop turn (`performance.now()`). */
  private lastTurn = performance.now();
  /** The fit's baseline eval activations, once known (sent to a worker that lacks them). */
  private baselineEval: LayerActivations | null = null;
  /**
   * With `plan.summarizeEval`: what the worker needs to compute the core metrics from the eval
   * summaries it makes, sent with the reference (it needs both), so those metrics are not computed here.
   */
  private readonly coreSpec: CoreMetricsSpec | undefined;
  /** The sets a check asks the worker to summarize (`plan.summarizeEval`), fixed for the fit. */
  private readonly summarizeSets: readonly string[];
  /** A check's request options when no reference goes with it, made once per fit (the worker serializes them per request). */
  private checkOptions: { summarize: readonly string[]; keepPacked: true } | null = null;

  constructor(
    model: tf.LayersModel,
    layers: readonly string[],
    options: { pooling: Pooling; batchSize: number },
    probes: EmGuardProbes,
    plan: CheckPlan,
    recorder: GuardRecorder,
    discard: (copy: WeightsCopy | null) => void,
    notify: (code: string, message: string, fields?: Record<string, unknown>) => void,
    core: { rank: number; seed: number },
  ) {
    this.model = model;
    this.probes = probes;
    this.plan = plan;
    this.recorder = recorder;
    this.discard = discard;
    this.notify = notify;
    this.capture = new ProbeCapture(model, layers, options);
    this.summarizeSets = plan.summarizeEval ? ['eval'] : NO_SETS;
    if (plan.summarizeEval) this.coreSpec = { layers: [...this.capture.layers], rank: core.rank, seed: core.seed, wanted: [...plan.wantedCore] };
  }

  /** Where the next check runs its forward passes. */
  get where(): 'worker' | 'inline' {
    return this.worker?.usable ? 'worker' : 'inline';
  }

  /** A started check waits to be finished. */
  get hasPending(): boolean {
    return this.pending !== null;
  }

  /** The pending check is captured (or failed): `finish` will not wait. */
  get settled(): boolean {
    return this.pending !== null && (this.pending.result !== null || this.pending.error !== null);
  }

  /**
   * Adds a batch's loss (a number or the logs' Scalar, read without disposing it) to the window;
   * a non-finite one is remembered instead.
   */
  addLoss(logged: unknown): void {
    const loss = readLogNumber(logged);
    if (loss === undefined) return;
    if (Number.isFinite(loss)) {
      this.lossSum += loss;
      this.lossCount += 1;
    } else {
      this.sawNonFinite = true;
    }
  }

  /**
   * Mean finite batch loss since the last check (null if none) and whether a non-finite one came
   * since; starts the next window. Non-finite is per window, as the `nonfinite` metric says: a run
   * whose losses turn finite again goes back to its schedule.
   */
  takeWindow(): { loss: number | null; nonfinite: boolean } {
    const window = { loss: this.lossCount > 0 ? this.lossSum / this.lossCount : null, nonfinite: this.sawNonFinite };
    this.lossSum = 0;
    this.lossCount = 0;
    this.sawNonFinite = false;
    return window;
  }

  /**
   * Call at each batch end; true when the pending check is settled. Takes the worker's replies
   * that are waiting (`WorkerCapture.takeReplyFlag`: a check's result, a checkpoint write's end)
   * synchronously, so a verdict costs no event-loop turn, and lets the event loop turn when
   * `EVENT_LOOP_TURN_EVERY_MS` have passed since the last turn (in every capture mode) or while
   * the worker is starting (its `ready`) or unusable (its end). A promise only when it turns the
   * loop (or a reply it took failed the check): a check's reply settles it as it is taken.
   */
  poll(): boolean | Promise<boolean> {
    const worker = this.worker;
    if (replyPath === 'turn') {
      // Exactly as before the drain (one immediate), for comparisons.
      if (worker && (!worker.usable || worker.takeReplyFlag())) return new Promise((resolve) => setImmediate(resolve)).then(() => this.settled);
    } else if ((worker && !worker.usable) || performance.now() - this.lastTurn >= EVENT_LOOP_TURN_EVERY_MS) {
      worker?.takeReplyFlag(); // what is waiting comes with the turn
      return this.turn().then(() => this.settled);
    } else if (worker?.takeReplyFlag()) {
      // A check's reply settles it as it is taken (`WorkerCapture.whenAnswered`): no promise then.
      worker.drainReplies();
      const p = this.pending;
      if (p?.request !== undefined && !this.settled && !worker.waiting(p.request)) return p.done.then(() => this.settled);
      return this.settled;
    }
    // Nothing to take (most batch ends): answered now, without a promise.
    return this.settled;
  }

  private async turn(): Promise<void> {
    await yieldToEventLoop();
    this.lastTurn = performance.now();
  }

  /**
   * Takes the worker's waiting replies now; when one of them answered the pending check, waits
   * for that check's settlement (`done`: promise callbacks only, no event-loop turn), so `settled`
   * says so on return.
   */
  private async drain(worker: WorkerCapture): Promise<void> {
    worker.drainReplies();
    const p = this.pending;
    if (p?.request !== undefined && !this.settled && !worker.waiting(p.request)) await p.done;
  }

  /**
   * Starts the baseline capture on the capture worker, with the weights of now (step 0), when its
   * thread is warm (an earlier fit started it: `ready` is a model rebuild away) and no user metric
   * plugin may read the context at init. The forward passes then run while the first batches train;
   * `baseline()` collects them. False (capture inline) otherwise: a cold thread can take seconds to
   * start, and the first verdict would wait for it.
   */
  startBaselineOnWorker(userPlugins: number): boolean {
    const worker = this.worker;
    if (!worker?.warm || userPlugins > 0) return false;
    // Kept until the worker answers: if it fails, the baseline is captured inline from these.
    const step0 = this.model.getWeights().map((w) => w.clone());
    const keepReference = this.plan.summarizeEval ? ['eval'] : [];
    if (keepReference.length > 0) this.referenceOnWorker = 'baseline';
    // Summarized there too (against itself): the baseline snapshot's eval summary, not computed here.
    const done = worker
      .capture(this.model, this.plan.baselineSets, this.plan.outputs, undefined, {
        keepReference,
        summarize: keepReference,
        ...(keepReference.length > 0 && this.coreSpec ? { core: this.coreSpec } : {}),
      })
      .then(
        (r) => r,
        (e: unknown) => e as Error,
      );
    this.workerBaseline = { step0, done };
    return true;
  }

  /**
   * From now on the worker (when it captures) computes the fit's metric plugins from each check's
   * capture by `jobs` (theirs, in order: `MetricPlugin.workerJob`; `names` theirs), and answers
   * with the results instead of the outputs they read (`CapturedCheck.metrics`); given `policy`,
   * with the policy evaluated on them too (`CapturedCheck.verdict`). A check it answers without
   * them (one it reached first, the last check, a non-finite value) is computed here as before.
   * False without a worker.
   */
  useWorkerMetrics(jobs: readonly BuiltinMetricJob[], names: readonly string[], policy?: MetricJobsRequest['policy']): boolean {
    this.worker?.setMetricJobs(jobs, names, policy);
    return this.worker !== null;
  }

  /** The policy state the training thread arrived at itself, numbered `gen`, for the worker's next evaluations (`WorkerVerdict`). */
  setWorkerPolicyState(state: PolicyState, gen: number): void {
    this.worker?.setPolicyState(state, gen);
  }

  /**
   * The baseline: activations of the plan's baseline probe sets and the planned outputs of the model
   * at step 0 (from the worker when started there; inline otherwise), or, given `savedDir`, a saved
   * baseline checked against this fit (its metric values come with it; no outputs are needed then).
   * Call from a training hook: a worker baseline that failed is redone inline on the step-0 weights,
   * swapped into the model meanwhile.
   */
  async baseline(savedDir: string | undefined): Promise<CapturedBaseline> {
    const base = await this.captureBaseline(savedDir);
    this.baselineEval = base.activations.get('eval') ?? null;
    return base;
  }

  private async captureBaseline(savedDir: string | undefined): Promise<CapturedBaseline> {
    const activations = new Map<string, LayerActivations>();
    if (savedDir !== undefined) {
      const saved = loadSavedBaselineFor(savedDir, this.fit);
      for (const name of this.plan.baselineSets) activations.set(name, saved.activations.get(name)!);
      return { activations, outputs: new Map(), savedValues: saved.values };
    }
    const pending = this.workerBaseline;
    if (pending) {
      const r = await pending.done;
      this.workerBaseline = null;
      if (!(r instanceof Error)) {
        tf.dispose(pending.step0);
        if (this.referenceOnWorker === 'baseline') this.referenceOnWorker = 'yes';
        return {
          activations: r.activations,
          outputs: r.outputs,
          savedValues: null,
          ...(r.summaries.size > 0 ? { summaries: r.summaries } : {}),
          ...(r.core ? { core: r.core } : {}),
        };
      }
      if (this.referenceOnWorker === 'baseline') this.referenceOnWorker = 'no';
      this.notify('capture-worker-error', `the capture worker failed on the baseline (${r.message}); capturing it inline`, { err: r });
      const live = this.model.getWeights().map((w) => w.clone());
      this.model.setWeights(pending.step0);
      try {
        return await this.captureBaseline(undefined);
      } finally {
        this.model.setWeights(live);
        tf.dispose([...live, ...pending.step0]);
      }
    }
    for (const name of this.plan.baselineSets) activations.set(name, await this.capture.capture(this.inputsOf(name), this.maskOf(name)));
    return { activations, outputs: await this.captureOutputs(), savedValues: null };
  }

  /** What a saved baseline must match. */
  get fit(): BaselineFit {
    return { model: this.model, layers: this.capture.layers, pooling: this.capture.pooling, probes: this.probes };
  }

  /**
   * Starts the capture worker when `mode` allows it. Not awaited: checks run inline until it is
   * up, and for good if it cannot rebuild the model.
   */
  startWorker(mode: 'auto' | 'worker' | 'inline', userPlugins: number, imports: readonly string[] = []): void {
    if (mode === 'inline' || (mode === 'auto' && userPlugins > 0)) return;
    const unavailable = (reason: string, err?: unknown) =>
      this.notify('capture-worker-unavailable', `capture worker unavailable (${reason}); capturing inline`, err === undefined ? {} : { err });
    const custom = classesUnknownToWorker(this.model);
    if (custom.length > 0 && imports.length === 0) {
      // Said before the first step: the worker would fail only after its start-up, maybe after `fit`.
      unavailable(
        `the model uses ${custom.map((c) => `\`${c}\``).join(', ')}, registered only in this thread; a worker thread cannot rebuild it. Pass \`workerImports: ['./module-that-registers-it.js']\` to emGuard so the worker imports it first`,
      );
      return;
    }
    const sets = new Map<string, ProbeInputs>();
    const captured = [...new Set([...this.plan.sets, ...this.plan.baselineSets])];
    for (const name of [...captured, ...this.plan.outputs]) sets.set(name, this.inputsOf(name));
    try {
      const masks = new Map<string, tf.Tensor>();
      for (const name of captured) {
        const m = this.maskOf(name);
        if (m) masks.set(name, m);
      }
      // Outputs reduced on the worker (preference sets: answer scores), so only n numbers come back.
      const scorings = new Map<string, AnswerScoring>();
      for (const name of this.plan.outputs) {
        const s = answerScoringOf(this.probes, name);
        if (s) scorings.set(name, s);
      }
      const worker = new WorkerCapture(
        this.model,
        this.capture.layers,
        { pooling: this.capture.pooling, batchSize: this.capture.batchSize, imports, masks, scorings },
        sets,
      );
      this.worker = worker;
      worker.ready.then(
        () =>
          this.recorder.logger.info(
            { event: 'capture-worker', ready: true },
            'em-guard: probe capture runs on a worker thread (forward passes off the training thread)',
          ),
        (e: unknown) => {
          if (this.worker !== worker) return; // the fit is over; `release` said so
          this.worker = null;
          void worker.release({ discard: true });
          unavailable((e as Error).message, e);
        },
      );
    } catch (e) {
      unavailable((e as Error).message, e);
    }
  }

  /**
   * Starts a check of the current step: takes the loss window and `copy` (the weights to keep if
   * the verdict is safe), then captures on the worker (returns at once) or inline (returns
   * captured). On the worker the copy's bytes are packed and hashed there, from the weights sent
   * for the capture (only the optimizer state is read here besides). Finish the previous check
   * first. `last`: the fit's last batch, so `fit` will wait for this check: the training thread,
   * which would only wait, computes the last planned output itself meanwhile (the same code as the
   * worker's, so the same values) and the worker the rest.
   */
  start(step: number, epoch: number, copy: CheckCopy | null, last = false): Promise<void> | undefined {
    if (this.pending) throw new Error('internal: a check started while another is pending');
    // A worker that was up and died between checks (its exit came at a turn): said, and dropped.
    const lost = this.worker?.lost;
    if (lost) this.dropWorker(lost);
    const t0 = performance.now();
    const worker = this.worker?.usable ? this.worker : null;
    // Most checks: sent to the worker without an await (no promise to make and wait for here).
    if (worker && !copy && !last) return this.sendCheck(worker, t0, { step, epoch, ...this.takeWindow() }, null, NO_SETS);
    return this.startAwaiting(worker, t0, step, epoch, copy, last);
  }

  private async startAwaiting(worker: WorkerCapture | null, t0: number, step: number, epoch: number, copy: CheckCopy | null, last: boolean): Promise<void> {
    const packed = worker && copy ? await copy.packed() : null;
    const weights = copy && !packed ? await copy.now() : null;
    const at: SnapshotPoint = { step, epoch, ...this.takeWindow() };
    if (!worker) {
      const activations = new Map<string, LayerActivations>();
      for (const name of this.plan.sets) activations.set(name, await this.capture.capture(this.inputsOf(name), this.maskOf(name)));
      const outputs = await this.captureOutputs();
      const result = { activations, outputs, timings: { capture: performance.now() - t0 } };
      this.pending = { at, copy: weights, done: Promise.resolve(), result, error: null };
      return;
    }
    await this.sendCheck(worker, t0, at, packed, last ? this.plan.outputs.slice(-1) : NO_SETS, weights);
  }

  /**
   * Sends a check to the worker and makes it the pending one; `here`: outputs computed on this
   * thread meanwhile (then a promise, else nothing to wait for). `weights`: the copy made here
   * when the checkpoint target cannot pack one on the worker (memory; `packed` is null then).
   */
  private sendCheck(
    worker: WorkerCapture,
    t0: number,
    at: SnapshotPoint,
    packed: PackedCopy | null,
    here: readonly string[],
    weights: WeightsCopy | null = null,
  ): Promise<void> | undefined {
    const pending: PendingCheck = { at, copy: weights, done: Promise.resolve(), result: null, error: null };
    // The worker reads the checked point for its snapshot and policy (`WorkerCapture.markCheck`).
    worker.markCheck(at);
    // The eval activations come back summarized once the worker has the baseline to do it against.
    const summarize = this.summarizeSets;
    let reference: Map<string, LayerActivations> | undefined;
    if (summarize.length > 0 && this.referenceOnWorker === 'no' && this.baselineEval) {
      reference = new Map([['eval', this.baselineEval]]);
      this.referenceOnWorker = 'yes';
    }
    let promise: CaptureTicket;
    try {
      // Reads the weights and the packed copy's tensors before returning: this step's values.
      promise = worker.capture(
        this.model,
        this.plan.sets,
        here.length === 0 ? this.plan.outputs : this.plan.outputs.filter((name) => !here.includes(name)),
        packed?.extra,
        // A periodic checkpoint's bytes stay on the worker, which writes them if the verdict keeps them.
        reference
          ? { summarize, reference, ...(this.coreSpec ? { core: this.coreSpec } : {}), keepPacked: true }
          : (this.checkOptions ??= { summarize, keepPacked: true }),
      );
    } finally {
      packed?.dispose();
    }
    // Observed at once: an inline output below may throw before `done` is set.
    promise.catch(() => undefined);
    if (here.length === 0) {
      this.awaitReply(worker, pending, promise, packed, null, performance.now() - t0);
      return undefined;
    }
    return this.captureOutputs(here).then((outputs) => this.awaitReply(worker, pending, promise, packed, outputs, performance.now() - t0));
  }

  /** Makes `pending` the pending check, settled by the worker's answer to `promise` (and `outputs` computed here). */
  private awaitReply(
    worker: WorkerCapture,
    pending: PendingCheck,
    promise: CaptureTicket,
    packed: PackedCopy | null,
    outputs: Map<string, ModelOutput> | null,
    ownMs: number,
  ): void {
    const settle = (r: WorkerCaptureResult) => {
      if (pending.result || pending.error) return;
      if (packed && r.kept) {
        const id = r.kept.id;
        pending.copy = packed.finishRemote(r.kept, {
          write: (dir, files, tail, optimizerBin) => worker.writeKept(id, dir, files, tail, optimizerBin),
          drop: () => worker.dropKept(id),
        });
      } else if (packed && r.packed) pending.copy = packed.finish(r.packed);
      pending.result = {
        activations: r.activations,
        outputs: outputs ? new Map([...r.outputs, ...outputs]) : r.outputs,
        ...(r.summaries.size > 0 ? { summaries: r.summaries } : {}),
        ...(r.core ? { core: r.core } : {}),
        ...(r.metrics ? { metrics: r.metrics } : {}),
        ...(r.verdict ? { verdict: r.verdict } : {}),
        timings: { capture: ownMs, workerCapture: r.workerMs },
      };
    };
    // Settled the moment the reply is taken (`drain` then returns without a promise); the ticket's
    // callbacks below only repeat it (a no-op) or record a failure.
    worker.whenAnswered(promise.id, settle);
    pending.done = promise.then(settle, (e: unknown) => (pending.error = e as Error));
    pending.request = promise.id;
    this.pending = pending;
  }

  /**
   * A copy of the model's weights of now (and `copy`'s optimizer state) whose bytes the capture
   * worker packs, hashes and writes, as it does for a check's periodic checkpoint: the same files.
   * Taken when the worker is up, or warm and still rebuilding the model (the request waits behind
   * that: the baseline checkpoint at `onTrainBegin`). Reads the values before returning; `done`
   * resolves once the worker holds the bytes (wrapped: an awaited promise of a promise would wait
   * for it). If the worker fails first, the same values (held until then: tensor clones, which
   * training does not change) are packed here instead, so the checkpoint is never lost. Null
   * (copy here instead) without such a worker or when `copy` cannot be packed.
   */
  async copyOnWorker(copy: CheckCopy): Promise<{ done: Promise<WeightsCopy> } | null> {
    const worker = this.worker?.usable || this.worker?.warm ? this.worker : null;
    const packed = worker ? await copy.packed() : null;
    if (!worker || !packed) return null;
    const live = this.model.weights.map((w) => w.read());
    const held = [...live, ...packed.extra].map((t) => t.clone());
    let promise: Promise<WorkerCaptureResult>;
    try {
      // No probe set, no output: only the packing.
      promise = worker.capture(this.model, [], [], packed.extra, { keepPacked: true });
    } catch (e) {
      promise = Promise.reject(e as Error);
    } finally {
      packed.dispose();
    }
    const done = promise
      .then((r) => {
        if (!r.kept) throw new Error('internal: the capture worker kept no checkpoint bytes');
        const id = r.kept.id;
        return packed.finishRemote(r.kept, {
          write: (dir, files, tail, optimizerBin) => worker.writeKept(id, dir, files, tail, optimizerBin),
          drop: () => worker.dropKept(id),
        });
      })
      .catch(() => packed.finish({ weights: packTensors(held.slice(0, live.length)), extra: packTensors(held.slice(live.length)) }))
      .finally(() => tf.dispose(held));
    return { done };
  }

  /**
   * The pending check, taken, when it is captured (`settled` with a result): what `finish` would
   * return, without its promise. Null otherwise (nothing pending, still on the worker, or failed:
   * call `finish`).
   */
  takeSettled(): CapturedCheck | null {
    const p = this.pending;
    if (!p?.result) return null;
    this.pending = null;
    return { at: p.at, copy: p.copy, ...p.result };
  }

  /**
   * The pending check once captured (waits for the worker if needed), or null. When the worker
   * failed, it is dropped and the check is redone inline on the weights of `now`.
   */
  async finish(now: { step: number; epoch: number }): Promise<CapturedCheck | null> {
    const p = this.pending;
    if (!p) return null;
    const worker = this.worker;
    if (replyPath === 'drain' && worker?.usable && !this.settled && worker.takeReplyFlag()) await this.drain(worker);
    this.pending = null;
    // Still on the worker: the wait lets the event loop turn (the answer comes with a turn).
    const waits = p.request !== undefined && worker?.waiting(p.request) === true;
    await p.done;
    if (waits) this.lastTurn = performance.now();
    if (p.result) return { at: p.at, copy: p.copy, ...p.result };
    this.discard(p.copy);
    this.dropWorker(p.error);
    // The lost check's loss window (taken as one mean) goes back into the running one.
    if (typeof p.at.loss === 'number') this.addLoss(p.at.loss);
    this.sawNonFinite ||= p.at.nonfinite;
    await this.start(now.step, now.epoch, null);
    return this.finish(now);
  }

  /** Checks run inline from now on: says why, and ends the worker's session (its thread is not reused). */
  private dropWorker(error: Error | null): void {
    this.notify('capture-worker-error', `the capture worker failed (${error?.message ?? 'no result'}); checking inline from now on`, { err: error });
    void this.worker?.release({ discard: true });
    this.worker = null;
  }

  /** Ends the fit's captures: drops a pending check and its copy, hands the worker thread back. */
  release(): void {
    if (this.pending) this.discard(this.pending.copy);
    this.pending = null;
    if (this.workerBaseline) tf.dispose(this.workerBaseline.step0);
    this.workerBaseline = null;
    const worker = this.worker;
    this.worker = null;
    if (worker && !worker.usable) {
      // Its verdict would come after `fit` returned, to nobody: say now why every check ran inline.
      this.recorder.logger.info(
        { event: 'capture-worker', ready: false },
        'em-guard: the capture worker was still starting when fit ended (its first start loads tfjs in the thread); every check of this fit ran inline',
      );
    }
    void worker?.release();
  }

  private async captureOutputs(names: readonly string[] = this.plan.outputs): Promise<Map<string, ModelOutput>> {
    const outputs = new Map<string, ModelOutput>();
    for (const name of names)
      outputs.set(name, await captureOutput(this.model, this.inputsOf(name), this.capture.batchSize, answerScoringOf(this.probes, name)));
    return outputs;
  }

  /** The token mask of a probe set (`probes.masks`), if given. */
  private maskOf(name: string): tf.Tensor | undefined {
    return (this.probes.masks as Record<string, tf.Tensor | undefined> | undefined)?.[name];
  }

  private inputsOf(name: string): ProbeInputs {
    const inputs = probeSetInputs(this.probes, name);
    if (!inputs) throw new Error(`internal: no probe set \`${name}\``);
    return inputs;
  }
}
