import * as tf from '@tensorflow/tfjs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { BuiltinMetricJob } from '../guard/builtinMetricJob.js';
import type { CoreSnapshotValues } from '../guard/computeCoreMetrics.js';
import type { MetricResult } from '../guard/pluginTypes.js';
import type { ActivationSummary } from '../metrics/activationSummary.js';
import type { Matrix } from '../metrics/matrix.js';
import type { AnswerScoring, ModelOutput } from './captureOutput.js';
import { packageRoot } from '../util/packageRoot.js';
import type { CheckpointDirTail } from '../checkpoints/writeCheckpointDir.js';
import {
  BELL_INTS,
  CHECK_LOSS_NULL,
  CHECK_NONFINITE,
  CHECK_SLOT_DOUBLES,
  type CaptureReply,
  type CaptureRequest,
  type CoreMetricsSpec,
  type DropRequest,
  type KeptBytes,
  type MetricJobsRequest,
  type PolicyStateRequest,
  type WorkerVerdict,
  type PackedBytes,
  type TransferredTensor,
  type WorkerInit,
  type WriteRequest,
} from './captureWorkerProtocol.js';
import { probeTensors } from './probeTensors.js';
import type { Pooling, ProbeInputs } from './probeTypes.js';
import { copyToShared, sharable, SharedBufferPool, SharedLayouts, type SharedLayout } from './sharedWeights.js';
import { WeightList } from './WeightList.js';

/** What one worker capture returns: activations per probe set and layer, outputs per set (raw, or answer scores for sets with a scoring). */
export interface WorkerCaptureResult {
  activations: Map<string, Map<string, Matrix>>;
  outputs: Map<string, ModelOutput>;
  /** Probe set → layer → summary, for the sets summarized on the worker (absent from `activations`). */
  summaries: Map<string, Map<string, ActivationSummary>>;
  /** The core metrics the worker computed from the eval summaries (`CaptureRequest.core`). */
  core?: CoreSnapshotValues;
  /** The results of the session's metric jobs (`setMetricJobs`), in order, when the worker computed them (`outputs` is then empty). */
  metrics?: MetricResult[];
  /** The policy evaluated there on this check (`setMetricJobs`' `policy`). */
  verdict?: WorkerVerdict;
  /** The weights and the `pack` tensors packed and hashed, when `capture` was given `pack`. */
  packed?: { weights: PackedBytes; extra: PackedBytes };
  /** The same bytes kept on the worker (`keepPacked`), for `writeKept` / `dropKept` with this capture's `id`. */
  kept?: { id: number; weights: KeptBytes; extra: KeptBytes };
  /** Time the worker spent, ms (not on the training thread). */
  workerMs: number;
}

/**
 * The worker script and how to start it: the `.ts` source through a tsx bootstrap when em-guard
 * runs from source (a worker does not inherit `--import tsx`), else the bundled `dist/probes/captureWorker.js`.
 */
function workerEntry(): { url: URL; workerData?: { entry: string } } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    return {
      url: pathToFileURL(join(dirname(here), 'tsWorkerBootstrap.mjs')),
      workerData: { entry: pathToFileURL(join(dirname(here), 'captureWorker.ts')).href },
    };
  }
  return { url: pathToFileURL(join(packageRoot(), 'dist', 'probes', 'captureWorker.js')) };
}

/**
 * A private copy of a tensor's values, to move to the worker. The wasm backend's `dataSync` copies
 * out of the wasm heap already (test/probeCapture.test.ts checks it), so that copy is moved as it
 * is: a second one cost as much again per check. Other backends may hand out the tensor's own
 * storage (cpu does), and moving that buffer would empty the live tensor: those values are copied.
 */
function transferred(t: tf.Tensor): TransferredTensor {
  const dtype = t.dtype === 'int32' || t.dtype === 'bool' ? t.dtype : 'float32';
  const values = t.dataSync() as Float32Array | Int32Array | Uint8Array;
  const own = tf.getBackend() === 'wasm';
  const data = dtype === 'float32' && !(values instanceof Float32Array) ? Float32Array.from(values) : own ? values : values.slice();
  return { data, shape: t.shape.slice(), dtype };
}

/** A started thread kept between fits: loading tfjs and its backend is the slow part of a start. */
let idleThread: Worker | null = null;

/**
 * The probe tensors a thread was sent at its last init (their `dataId`s, per set) and on which
 * backend: a later fit with the same tensors marks them `kept` instead of copying and sending them
 * again. A tensor's `dataId` changes whenever its values could (a new tensor, a variable's
 * `assign`), and the ids held here are never reused while held.
 */
const heldSets = new WeakMap<Worker, { backend: string; sets: Map<string, readonly object[]> }>();

/** Request ids are unique per process, so a late answer to an ended session matches nothing. */
let nextRequestId = 1;

/**
 * How this process's sessions received the worker's replies: taken synchronously from the port
 * (`drainReplies`), or delivered by an event-loop turn (the port's `message` event); `stray`:
 * replies that matched no request of the session that received them (an ended session's late
 * answer reaching the next one). For tests and benches, not part of the package's API.
 */
export const replyDeliveries = { drained: 0, onTurn: 0, stray: 0 };

/** What a capture request repeated by the bell was made of (`WorkerCapture.templates`). */
interface Template {
  /** Its number (`CaptureRequest.template`). */
  key: number;
  sets: readonly string[];
  outputs: readonly string[];
  summarize: readonly string[] | undefined;
  layout: SharedLayout;
  /** Where the `pack` tensors begin in the layout; -1 without. */
  packFrom: number;
  keepPacked: boolean;
}

/**
 * How this process's capture requests reached the worker: `posted` (`postMessage`) or `rung` (the
 * session's bell, repeating its template). For tests and benches, not part of the package's API.
 */
export const requestDeliveries = { posted: 0, rung: 0 };

/** Whether capture requests may be rung (`setBellForTests`). */
let bellOn = true;

/** Test and bench only: whether capture requests may be rung instead of posted; returns the previous setting. */
export function setBellForTests(on: boolean): boolean {
  const before = bellOn;
  bellOn = on;
  return before;
}

/** A capture request's answer, and its id (`WorkerCapture.waiting`). */
export type CaptureTicket = Promise<WorkerCaptureResult> & { readonly id: number };

function spawnThread(): Worker {
  const entry = workerEntry();
  const worker = new Worker(entry.url, { workerData: entry.workerData });
  // A guard that is never disposed must not keep the process alive.
  worker.unref();
  worker.on('exit', () => {
    if (idleThread === worker) idleThread = null;
  });
  // Errors are reported to the session using the thread; an idle thread's are only ignored.
  worker.on('error', () => undefined);
  return worker;
}

/** How long nothing must be awaited before the capture thread and its port stop keeping the process alive (`holdWhileAwaited`), ms. */
const LET_GO_AFTER_MS = 200;

/**
 * Probe capture on a worker thread: the model is rebuilt there from its topology once per fit,
 * and each check sends only the weights copied at that step. The training thread pays for the
 * copy (a few ms) instead of the forward passes, which run on another core while training goes
 * on. Models the worker cannot rebuild (custom layers) fail `ready` with the reason; the guard then
 * captures inline. The thread outlives the session (`release`) and serves the next fit.
 */
export class WorkerCapture {
  /** Resolves when the worker has rebuilt the model; rejects with the reason it could not. */
  readonly ready: Promise<void>;
  /** The thread was started by an earlier fit (tfjs loaded): `ready` is a model rebuild away, not a thread start. */
  readonly warm: boolean;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: WorkerCaptureResult) => void; reject: (e: Error) => void }>();
  private readonly writes = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private failed: Error | null = null;
  /** Buffers the weights of a check are copied into (`capture`), reused once the worker has answered. */
  private readonly shared = new SharedBufferPool();
  /** The layouts of what `capture` copies into those buffers, with their views (`SharedLayout`). */
  private readonly layouts = new SharedLayouts();
  /** `model.weights` of the captured model, read again only when it may have changed (`WeightList`). */
  private readonly weightList = new WeightList();
  /** The thread itself is unusable (crashed, or could not rebuild the model): never reuse it. */
  private broken = false;
  private isReady = false;
  /**
   * The thread and the reply port are ref'd (`holdWhileAwaited`). False at first: a thread is
   * spawned or handed over unref'd, so the constructor's call refs both (before, the first answer
   * unref'd them and the next request ref'd them; now they stay held across a fit's requests).
   */
  private holding = false;
  /** Ticks of `letGoTimer` since nothing is awaited; -1 while something is. */
  private idleTicks = -1;
  /** Lets the thread and port go once idle (`holdWhileAwaited`); null while not needed. */
  private letGoTimer: NodeJS.Timeout | null = null;
  private readonly detach: () => void;
  /** Set to 1 by the worker after each reply it posts (`WorkerInit.replies`); `takeReplyFlag` clears it. */
  private readonly replyFlag = new Int32Array(new SharedArrayBuffer(4));
  /** This session's end of its reply channel (`WorkerInit.replyPort`); closed at `release`. */
  private readonly replyPort: MessagePort;
  private readonly dispatch: (msg: CaptureReply) => void;
  /** This session's bell (`WorkerInit.bell`): [0] rung count, [1] the id rung last, [2] its template. */
  private readonly bell = new Int32Array(new SharedArrayBuffer(BELL_INTS * 4));
  /** The checked point of the check in flight (`WorkerInit.checkSlot`, `markCheck`). */
  private readonly checkSlot = new Float64Array(new SharedArrayBuffer(CHECK_SLOT_DOUBLES * 8));
  /** `whenAnswered` handlers by request id. */
  private readonly answeredHandlers = new Map<number, (r: WorkerCaptureResult) => void>();
  /** Capture requests pending whose order counts (`capture`): none may be overtaken by a rung one. */
  private readonly ordered = new Set<number>();
  /** The rung request not answered yet, or -1: the bell holds one id, so a second ring would overwrite it (`capture` posts instead). */
  private rungOut = -1;
  /** The worker said it listens on the bell (`ready`). */
  private bellHeard = false;
  /** The worker kept the model it built for an earlier fit of the same architecture (`ready`). */
  reusedModel = false;
  /**
   * What the session's template requests (`CaptureRequest.template`) were made of, per shared
   * buffer one per layout (a check's weights; with the optimizer state appended at checkpoint
   * checks), numbered `key`: a capture of the same into the same buffer is rung.
   */
  private readonly templates = new Map<SharedArrayBuffer, Template[]>();
  private templateCount = 0;

  constructor(
    model: tf.LayersModel,
    layers: readonly string[],
    options: {
      pooling: Pooling;
      batchSize: number;
      imports?: readonly string[];
      masks?: ReadonlyMap<string, tf.Tensor>;
      /** Output sets reduced on the worker (`captureOutput`'s scoring): only the scores come back. */
      scorings?: ReadonlyMap<string, AnswerScoring>;
    },
    sets: ReadonlyMap<string, ProbeInputs>,
  ) {
    this.warm = idleThread !== null;
    this.worker = idleThread ?? spawnThread();
    idleThread = null;
    let onReady!: () => void;
    let onFail!: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    this.ready.catch(() => undefined); // observed through `usable`/`ready` by the caller
    const fail = (e: Error, broken: boolean) => {
      this.broken ||= broken;
      if (this.failed) return;
      this.failed = e;
      onFail(e);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      for (const w of this.writes.values()) w.reject(e);
      this.writes.clear();
      this.holdWhileAwaited();
    };
    const onMessage = (msg: CaptureReply) => {
      if (msg.type === 'ready') {
        this.isReady = true;
        this.bellHeard = msg.bell;
        this.reusedModel = msg.reused;
        this.holdWhileAwaited();
        onReady();
      } else if (msg.type === 'written') {
        const w = this.writes.get(msg.id);
        this.writes.delete(msg.id);
        this.holdWhileAwaited();
        if (!w) replyDeliveries.stray++;
        if (msg.error === undefined) w?.resolve();
        else w?.reject(new Error(msg.error));
      } else if (msg.type === 'error') {
        const e = new Error(`capture worker: ${msg.message}`);
        if (msg.id === null) {
          // The worker could not rebuild this model (e.g. custom layers): the session is over.
          fail(e, true);
          void this.worker.terminate();
        } else {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          this.holdWhileAwaited();
          if (!p) replyDeliveries.stray++;
          p?.reject(e);
        }
      } else {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        this.holdWhileAwaited();
        if (!p) {
          replyDeliveries.stray++;
          return;
        }
        // Plain loops and `set` (no entries arrays, iterables or callbacks): this runs once per check,
        // cold, on the training thread.
        const activations = new Map<string, Map<string, Matrix>>();
        for (const set in msg.activations) {
          const layers = new Map<string, Matrix>();
          for (const a of msg.activations[set]!) layers.set(a.layer, { rows: a.rows, cols: a.cols, data: a.data });
          activations.set(set, layers);
        }
        const summaries = new Map<string, Map<string, ActivationSummary>>();
        for (const set in msg.summaries) {
          const layers = new Map<string, ActivationSummary>();
          for (const s of msg.summaries[set]!) layers.set(s.layer, s.summary);
          summaries.set(set, layers);
        }
        const outputs = new Map<string, ModelOutput>();
        for (const set in msg.outputs) outputs.set(set, msg.outputs[set]!);
        p.resolve({
          activations,
          outputs,
          summaries,
          ...(msg.core ? { core: msg.core } : {}),
          ...(msg.metrics ? { metrics: msg.metrics } : {}),
          ...(msg.verdict ? { verdict: msg.verdict } : {}),
          ...(msg.packed ? { packed: msg.packed } : {}),
          ...(msg.kept ? { kept: { id: msg.id, ...msg.kept } } : {}),
          workerMs: msg.ms,
        });
      }
    };
    // A crash or exit still comes as the Worker's event, at an event-loop turn (`CheckRunner.poll`
    // takes one at least every `EVENT_LOOP_TURN_EVERY_MS`, and waiting for a result is one).
    const onError = (e: Error) => fail(new Error(`capture worker crashed: ${e.message}`), true);
    const onExit = (code: number) => fail(new Error(`capture worker exited (code ${code})`), true);
    // Replies come on this session's own channel: taken at a turn (the `message` event) or
    // synchronously by `drainReplies`, both through `onMessage`.
    const channel = new MessageChannel();
    this.replyPort = channel.port1;
    this.dispatch = onMessage;
    const onTurn = (msg: CaptureReply) => {
      replyDeliveries.onTurn++;
      onMessage(msg);
    };
    this.replyPort.on('message', onTurn);
    this.worker.on('error', onError);
    this.worker.on('exit', onExit);
    // The thread and the port (ref'd by its listener) keep the process alive while the worker starts.
    this.holdWhileAwaited();
    this.detach = () => {
      this.replyPort.off('message', onTurn);
      this.replyPort.close();
      this.worker.off('error', onError);
      this.worker.off('exit', onExit);
    };

    const init: WorkerInit = {
      type: 'init',
      backend: tf.getBackend(),
      topology: model.toJSON(null, false),
      weightShapes: model.weights.map((w) => w.shape.map((d) => d ?? 0)),
      layers: [...layers],
      pooling: options.pooling,
      batchSize: options.batchSize,
      imports: [...(options.imports ?? [])],
      masks: Object.fromEntries([...(options.masks ?? new Map<string, tf.Tensor>())].map(([name, m]) => [name, transferred(m)])),
      scorings: Object.fromEntries(
        [...(options.scorings ?? new Map<string, AnswerScoring>())].map(([name, s]) => [
          name,
          { targets: transferred(s.targets), mask: transferred(s.mask), kind: s.kind },
        ]),
      ),
      sets: this.probeSets(sets),
      replies: this.replyFlag.buffer as SharedArrayBuffer,
      replyPort: channel.port2,
      bell: this.bell.buffer as SharedArrayBuffer,
      checkSlot: this.checkSlot.buffer as SharedArrayBuffer,
    };
    // The probe data are private copies already: move them instead of cloning them again.
    this.worker.postMessage(init, [
      channel.port2,
      ...Object.values(init.sets).flatMap((list) => (list === 'kept' ? [] : list.map((t) => t.data.buffer as ArrayBuffer))),
    ]);
  }

  /**
   * Whether the worker posted a reply (a capture's result, a write's end, `ready`, an error) since
   * the last call: `drainReplies` or a turn of the event loop then delivers it. Clears the flag, so
   * call it right before taking them; a reply posted meanwhile sets it again (the next call says so).
   */
  takeReplyFlag(): boolean {
    return Atomics.exchange(this.replyFlag, 0, 0) !== 0;
  }

  /**
   * Takes the replies waiting on this session's port now, without an event-loop turn, and settles
   * what they answer as a turn would (the same handler): a capture's promise is resolved or
   * rejected before this returns (its `then` callbacks run at the next microtask checkpoint).
   * Returns how many it took. The Worker's own events (a crash, an exit) are not taken here.
   */
  drainReplies(): number {
    let n = 0;
    for (let m = receiveMessageOnPort(this.replyPort); m !== undefined; m = receiveMessageOnPort(this.replyPort)) {
      n++;
      replyDeliveries.drained++;
      this.dispatch(m.message as CaptureReply);
    }
    return n;
  }

  /**
   * The thread and the reply port keep the process alive while the worker is starting (its
   * `ready` may be awaited) or a request of this session waits for its answer: a thread that dies
   * then must still deliver its `exit` (unref'd, the event loop could empty first and the process
   * end mid-fit with the guard awaiting it), and a fit that awaits a checkpoint write must see it
   * through. Once nothing is awaited they are let go, but not at once: only when nothing was
   * awaited for a whole `LET_GO_AFTER_MS` period (`letGoIfIdle`, an unref'd interval), so a script
   * whose `fit` rejected (a throwing callback; tfjs then never calls the guard's `onTrainEnd`)
   * still exits by itself, ≤ 2 periods after the last answer, guard disposed or not. During a fit
   * a request goes out every few batches (≈ 30 ms on the bench MLP): letting go at each answer and
   * holding again at the next request cost the training thread ≈ 30 µs per answer in native
   * ref/unref calls (cold, between training ops), ≈ 1.5 ms per fit of 25 checks both ways.
   */
  private holdWhileAwaited(): void {
    const hold = this.failed === null && (!this.isReady || this.pending.size > 0 || this.writes.size > 0);
    if (hold) {
      this.idleTicks = -1;
      if (this.holding) return;
      this.holding = true;
      this.worker.ref();
      this.replyPort.ref();
      return;
    }
    if (!this.holding) return;
    if (this.failed !== null) {
      this.letGo();
      return;
    }
    this.idleTicks = 0;
    this.letGoTimer ??= setInterval(() => this.letGoIfIdle(), LET_GO_AFTER_MS).unref();
  }

  /** The interval's tick: lets the thread and port go at the second tick with nothing awaited since the first. */
  private letGoIfIdle(): void {
    if (this.idleTicks < 0) return; // held again meanwhile: the next idle stretch starts over
    if (++this.idleTicks >= 2) this.letGo();
  }

  private letGo(): void {
    if (this.letGoTimer) clearInterval(this.letGoTimer);
    this.letGoTimer = null;
    this.idleTicks = -1;
    if (!this.holding) return;
    this.holding = false;
    this.worker.unref();
    this.replyPort.unref();
  }

  /** Whether capture request `id` (`CaptureTicket.id`) still waits for its answer (false once resolved or rejected). */
  waiting(id: number): boolean {
    return this.pending.has(id);
  }

  /**
   * Calls `handler` with capture request `id`'s result synchronously when it is taken (by
   * `drainReplies` or at an event-loop turn), before its ticket resolves: a caller that drains
   * the replies then has the result on return, without waiting for promise callbacks (each hop
   * between training ops cost tens of µs). Once; not on a failure (the ticket rejects then).
   */
  whenAnswered(id: number, handler: (r: WorkerCaptureResult) => void): void {
    if (this.pending.has(id)) this.answeredHandlers.set(id, handler);
  }

  /** The init's probe sets: copies of their tensors, or `kept` for those the thread holds already (`heldSets`). */
  private probeSets(sets: ReadonlyMap<string, ProbeInputs>): WorkerInit['sets'] {
    const backend = tf.getBackend();
    const held = heldSets.get(this.worker);
    const now = new Map<string, readonly object[]>();
    const out: WorkerInit['sets'] = {};
    for (const [name, inputs] of sets) {
      const tensors = probeTensors(inputs);
      const ids = tensors.map((t) => t.dataId as object);
      const before = held?.backend === backend ? held.sets.get(name) : undefined;
      out[name] = before && before.length === ids.length && before.every((id, i) => id === ids[i]) ? 'kept' : tensors.map(transferred);
      now.set(name, ids);
    }
    heldSets.set(this.worker, { backend, sets: now });
    return out;
  }

  /** True once the worker is up and has not failed: captures can go there. */
  get usable(): boolean {
    return this.isReady && this.failed === null;
  }

  /** Why a worker that was up can no longer be used (it crashed or exited), else null. */
  get lost(): Error | null {
    return this.isReady ? this.failed : null;
  }

  /**
   * Copies the model's current weights (synchronously: this is the checked step) and captures
   * `sets` (layer activations) and `outputs` (raw first model output) with them on the worker.
   * Given `pack` (read synchronously too), the worker also returns the weights and then `pack`
   * laid out as `tf.io.encodeWeights` does, with their sha256 (`result.packed`). `summaries`: see
   * `CaptureRequest` (`summarize`, `reference`, `keepReference`); a reference is copied, not moved.
   */
  capture(
    model: tf.LayersModel,
    sets: readonly string[],
    outputs: readonly string[],
    pack?: readonly tf.Tensor[],
    summaries: {
      summarize?: readonly string[];
      reference?: ReadonlyMap<string, ReadonlyMap<string, Matrix>>;
      keepReference?: readonly string[];
      /** Keep the `pack` bytes on the worker (`result.kept`) instead of sending them back (`result.packed`). */
      keepPacked?: boolean;
      /** From now on, compute the core metrics of summarized eval captures there (`result.core`). */
      core?: CoreMetricsSpec;
    } = {},
  ): CaptureTicket {
    if (this.failed) return Object.assign(Promise.reject(this.failed), { id: 0 });
    const variables = this.weightList.of(model);
    const all: tf.Tensor[] = [];
    for (const v of variables) all.push(v.read());
    if (pack) for (const t of pack) all.push(t);
    // Copied into a reused shared buffer (see `copyToShared`); other dtypes as private copies, moved.
    const layout = sharable(all) ? this.layouts.of(all) : null;
    const buffer = layout ? this.shared.take(layout.bytes) : null;
    const copied = buffer ? copyToShared(all, buffer, layout!) : all.map(transferred);
    const weights = pack ? copied.slice(0, variables.length) : copied;
    const extra = pack ? copied.slice(variables.length) : undefined;
    const id = nextRequestId++;
    const summarize = summaries.summarize?.length ? summaries.summarize : undefined;
    // A check like an earlier one into the same shared buffer (same sets, same layout: the guard's
    // usual checks, checkpoint checks too) is rung, not posted: the worker runs that template with
    // the values just copied. A rung request may overtake a posted one in the worker's queue, so
    // only once every request whose order counts was answered: a template (the worker has it
    // then) and those that set what later captures read there (a reference, the core metrics
    // spec). Others (a background checkpoint's packing, a check with other outputs) set every
    // weight themselves and read nothing a capture leaves: either order gives the same replies.
    // (A request without probe sets, a background checkpoint's packing, is no check: never a template.)
    const repeatable = buffer !== null && sets.length > 0 && !summaries.reference && !summaries.keepReference?.length && !summaries.core;
    const keepPacked = summaries.keepPacked === true && extra !== undefined;
    const packFrom = pack ? variables.length : -1;
    const t = repeatable ? this.templates.get(buffer)?.find((x) => x.layout === layout) : undefined;
    if (
      t !== undefined &&
      bellOn &&
      this.bellHeard &&
      this.ordered.size === 0 &&
      this.rungOut === -1 &&
      t.sets === sets &&
      t.outputs === outputs &&
      t.summarize === summarize &&
      t.packFrom === packFrom &&
      t.keepPacked === keepPacked
    ) {
      const answer = this.answer(id, buffer, false);
      this.rungOut = id;
      Atomics.store(this.bell, 1, id);
      Atomics.store(this.bell, 2, t.key);
      Atomics.add(this.bell, 0, 1);
      Atomics.notify(this.bell, 0);
      requestDeliveries.rung++;
      return Object.assign(answer, { id });
    }
    // The arrays go in as they are, not copied: `postMessage` below serializes them before returning.
    const req: CaptureRequest = { type: 'capture', id, weights, sets: sets as string[], outputs: outputs as string[], ...(extra ? { pack: extra } : {}) };
    if (summarize) req.summarize = summarize as string[];
    if (summaries.keepReference?.length) req.keepReference = summaries.keepReference as string[];
    if (keepPacked) req.keepPacked = true;
    if (summaries.core) req.core = summaries.core;
    if (summaries.reference)
      req.reference = Object.fromEntries(
        [...summaries.reference].map(([set, layers]) => [set, [...layers].map(([layer, m]) => ({ layer, rows: m.rows, cols: m.cols, data: m.data }))]),
      );
    if (repeatable) {
      // Replaces this buffer's template of this layout (the worker replaces its copy by number).
      const template: Template = { key: t?.key ?? this.templateCount++, sets, outputs, summarize, layout: layout!, packFrom, keepPacked };
      req.template = template.key;
      const list = this.templates.get(buffer!) ?? [];
      this.templates.set(buffer!, [...list.filter((x) => x !== t), template]);
    }
    const answer = this.answer(id, buffer, repeatable || !!summaries.reference || !!summaries.keepReference?.length || !!summaries.core);
    this.worker.postMessage(req, buffer ? [] : copied.map((w) => w.data.buffer as ArrayBuffer));
    requestDeliveries.posted++;
    return Object.assign(answer, { id });
  }

  /**
   * The answer to capture request `id`, awaited from now on; `buffer` is free again once it came.
   * `ordered`: no request may be rung before this one is answered (`capture`).
   */
  private answer(id: number, buffer: SharedArrayBuffer | null, ordered: boolean): Promise<WorkerCaptureResult> {
    if (ordered) this.ordered.add(id);
    const answer = new Promise<WorkerCaptureResult>((resolve, reject) => {
      this.pending.set(id, {
        resolve: (r) => {
          this.ordered.delete(id);
          if (this.rungOut === id) this.rungOut = -1;
          // The worker answers after its last read of the values (the packing): the buffer is free.
          if (buffer) this.shared.give(buffer);
          const handler = this.answeredHandlers.get(id);
          if (handler) {
            this.answeredHandlers.delete(id);
            try {
              handler(r);
            } catch {
              // The ticket's own callbacks meet the same error, where the caller awaits it.
            }
          }
          resolve(r);
        },
        // Not reused after a failure: a crashed or ended session's worker may still be reading it.
        reject: (e) => {
          this.ordered.delete(id);
          if (this.rungOut === id) this.rungOut = -1;
          this.answeredHandlers.delete(id);
          reject(e);
        },
      });
    });
    this.holdWhileAwaited();
    return answer;
  }

  /**
   * Writes the checkpoint whose bytes capture `capture` kept (`keepPacked`) on the worker thread:
   * `writeCheckpointDir(dir, [weights.bin, optimizer.bin if `optimizerBin`, ...files], () => tail)`,
   * beside its captures. Resolves once durable and indexed; rejects with the worker's error, or
   * when the worker fails or the session ends first.
   */
  writeKept(capture: number, dir: string, files: readonly [string, Uint8Array | string][], tail: CheckpointDirTail, optimizerBin: boolean): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const id = nextRequestId++;
    const req: WriteRequest = { type: 'write', id, capture, dir, optimizerBin, files: [...files], tail };
    return new Promise<void>((resolve, reject) => {
      this.writes.set(id, { resolve, reject });
      this.holdWhileAwaited();
      this.worker.postMessage(req);
    });
  }

  /**
   * From now on the worker computes these metrics from each check's capture (`MetricJobsRequest`)
   * and answers with their results (`result.metrics`) instead of the outputs they read.
   */
  setMetricJobs(jobs: readonly BuiltinMetricJob[], names: readonly string[], policy?: MetricJobsRequest['policy']): void {
    if (this.failed) return;
    this.worker.postMessage({ type: 'metrics', jobs: [...jobs], names: [...names], ...(policy ? { policy } : {}) } satisfies MetricJobsRequest);
  }

  /** Replaces the worker's policy state (`PolicyStateRequest`): the training thread evaluated the policy itself. */
  setPolicyState(state: PolicyStateRequest['state'], gen: number): void {
    if (this.failed) return;
    this.worker.postMessage({ type: 'policyState', state, gen } satisfies PolicyStateRequest);
  }

  /**
   * The checked point of the check about to be sent (step, epoch, loss window), for the worker's
   * snapshot and policy evaluation (`WorkerInit.checkSlot`): call right before its `capture`.
   */
  markCheck(at: { step: number; epoch: number; loss: number | null | undefined; nonfinite: boolean }): void {
    const slot = this.checkSlot;
    slot[0] = at.step;
    slot[1] = at.epoch;
    slot[2] = typeof at.loss === 'number' ? at.loss : 0;
    slot[3] = (typeof at.loss === 'number' ? 0 : CHECK_LOSS_NULL) | (at.nonfinite ? CHECK_NONFINITE : 0);
  }

  /** Frees the bytes capture `capture` kept (its checkpoint is not kept). */
  dropKept(capture: number): void {
    if (this.failed) return;
    this.worker.postMessage({ type: 'drop', capture } satisfies DropRequest);
  }

  /**
   * Ends the session: pending captures reject; the thread is kept for the next fit unless
   * `discard` (e.g. after a failed capture), it is broken, or another idle thread is kept already.
   */
  async release(options: { discard?: boolean } = {}): Promise<void> {
    const ended = new Error('capture worker session ended');
    this.failed ??= ended;
    for (const p of this.pending.values()) p.reject(this.failed);
    this.pending.clear();
    for (const w of this.writes.values()) w.reject(this.failed);
    this.writes.clear();
    this.letGo();
    this.detach();
    this.worker.unref();
    if (!options.discard && !this.broken && idleThread === null) {
      idleThread = this.worker;
      return;
    }
    await this.worker.terminate();
  }
}
