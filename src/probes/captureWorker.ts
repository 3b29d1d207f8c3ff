// Entry point of the guard's capture worker thread (started by WorkerCapture): rebuilds the model
// from its topology, then for each request sets the weights copied at a check and captures the
// probe sets, so the forward passes run on another core while training goes on.
import { createHash } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { OPTIMIZER_BIN } from '../checkpoints/checkpointIndex.js';
import { writeCheckpointDir } from '../checkpoints/writeCheckpointDir.js';
import { WEIGHTS_BIN } from '../io/fileSystemHandler.js';
import type { BuiltinMetricJob } from '../guard/builtinMetricJob.js';
import { builtinMetricResult } from '../guard/builtinMetricResult.js';
import { coreSnapshotValues, type CoreMetricName, type CoreSnapshotValues } from '../guard/computeCoreMetrics.js';
import { snapshotFromResults } from '../guard/computeSnapshot.js';
import { findNonFiniteActivations } from '../guard/findNonFiniteActivations.js';
import { evaluatePolicy } from '../policy/evaluatePolicy.js';
import type { Policy } from '../policy/policy.js';
import type { PolicyState } from '../policy/policyState.js';
import type { MetricResult } from '../guard/pluginTypes.js';
import { summarizeActivations, type ActivationSummary } from '../metrics/activationSummary.js';
import type { Matrix } from '../metrics/matrix.js';
import { captureOutput, type AnswerScoring } from './captureOutput.js';
import { ProbeCapture } from './ProbeCapture.js';
import { installWasmSliceKernels } from './wasmSliceKernels.js';
import { workerModelKey } from './workerModelKey.js';
import {
  CHECK_LOSS_NULL,
  CHECK_NONFINITE,
  WORKER_NICER_BY,
  type CaptureReply,
  type CaptureRequest,
  type CoreMetricsSpec,
  type DropRequest,
  type MetricJobsRequest,
  type PolicyStateRequest,
  type WorkerVerdict,
  type PackedBytes,
  type TransferredTensor,
  type WorkerInit,
  type WriteRequest,
} from './captureWorkerProtocol.js';

const port = parentPort;
if (!port) throw new Error('captureWorker: run me as a worker thread (WorkerCapture starts me)');

// Below the training thread (WORKER_NICER_BY): under contention the forward passes take what training leaves.
try {
  // Linux: setpriority on a thread id changes only that thread. Elsewhere this throws: priority unchanged.
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + WORKER_NICER_BY));
} catch {
  // not Linux, or not allowed: the worker runs at the training thread's priority
}

let model: tf.LayersModel | null = null;
let capture: ProbeCapture | null = null;
/**
 * What `model` and `capture` were built from (`workerModelKey`), or null: the next fit of the same
 * architecture, backend, imports and watched layers reuses them (every capture sets all weights).
 */
let builtFrom: string | null = null;

const sets = new Map<string, tf.Tensor[]>();
const masks = new Map<string, tf.Tensor>();
const scorings = new Map<string, AnswerScoring>();
/** Probe set → layer → the baseline activations its captures are summarized against. */
const references = new Map<string, Map<string, Matrix>>();
/** `CaptureRequest.core` of this fit: set, the core metrics of summarized eval captures are computed here. */
let coreSpec: (CoreMetricsSpec & { wantedSet: ReadonlySet<CoreMetricName> }) | null = null;
/** The session's metric jobs (`MetricJobsRequest`), or null: the training thread computes the metrics. */
let metricJobs: { jobs: BuiltinMetricJob[]; names: string[]; outputs: string[] } | null = null;
/** The session's policy and its state (`MetricJobsRequest.policy`): numbered `gen`, `n` checks into it. */
let policyRun: { policy: Policy; state: PolicyState; gen: number; n: number } | null = null;
/** Buffers of the core metrics (`coreSnapshotValues`), reused across checks. */
const scratch = new Map<string, Float64Array>();
/** Probe set → layer → the activations of its last summarized capture, overwritten by the next (`ProbeCapture.capture`'s `into`). */
const summarized = new Map<string, Map<string, Float32Array>>();
/** Capture request id → checkpoint bytes packed and kept for a `write` (`keepPacked`). */
const keptPacked = new Map<number, { weights: Uint8Array; extra: Uint8Array }>();
/**
 * Kept checkpoint bytes that were written or dropped, for the next `pack` of the same size: a
 * checkpoint check packs the same 1–2 sizes every time, and a fresh array of a megabyte cost its
 * page faults here and the GC's work later (external memory), on the core training shares.
 */
const freePacked: Uint8Array[] = [];
const KEPT_FREE_PACKED = 4;

function reusePacked(bytes: { weights: Uint8Array; extra: Uint8Array } | undefined): void {
  if (!bytes) return;
  for (const b of [bytes.weights, bytes.extra]) if (b.byteLength > 0 && freePacked.length < KEPT_FREE_PACKED) freePacked.push(b);
}
let batchSize = 256;
let backend: string | null = null;
/**
 * Where a session's replies go (`WorkerInit.replyPort`) and its reply flag (`WorkerInit.replies`:
 * set after each reply, so the training thread knows one is waiting).
 */
interface Session {
  port: MessagePort;
  flag: Int32Array;
  /** `WorkerInit.checkSlot`. */
  checkSlot: Float64Array;
  /** `WorkerInit.bell`, and the requests it repeats, by number (`CaptureRequest.template`). */
  bell: Int32Array;
  templates: Map<number, CaptureRequest>;
}

/** `Atomics.waitAsync` (ES2024; Node ≥ 16 has it), which TypeScript's ES2022 library does not declare. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync?: (a: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/** Whether this thread can wait for a bell without blocking its event loop. */
const bellHeard = typeof waitAsync === 'function';

/** The session of the last init: requests received after it are answered there. */
let current: Session | null = null;

/**
 * Posts a reply to the session that sent the request, then flags it (after: once flagged it is
 * surely in the port's queue). An ended session's port is closed: its late replies go nowhere.
 */
function reply(to: Session | null, msg: CaptureReply, transfer?: ArrayBuffer[]): void {
  if (!to) return; // a request before any init: nobody to answer
  to.port.postMessage(msg, transfer);
  Atomics.store(to.flag, 0, 1);
}

function toTensor(t: TransferredTensor): tf.Tensor {
  // A check's weights view a buffer the training thread reuses for the next check (`copyToShared`).
  // wasm copies them into its heap here; another backend may keep the array it is given: a copy then.
  const shared = t.data.buffer instanceof SharedArrayBuffer && backend !== 'wasm';
  return tf.tensor(shared ? t.data.slice() : t.data, t.shape, t.dtype);
}

/**
 * The tensors' bytes end to end (what `tf.io.encodeWeights` concatenates) and their sha256; in a
 * reused array (`freePacked`, every byte overwritten) when `reuse` (bytes kept here, never moved).
 */
function pack(list: readonly TransferredTensor[], reuse: boolean): PackedBytes {
  const bytes = list.reduce((n, t) => n + t.data.byteLength, 0);
  const free = reuse ? freePacked.findIndex((b) => b.byteLength === bytes) : -1;
  const data = free >= 0 ? freePacked.splice(free, 1)[0]! : new Uint8Array(bytes);
  const hash = createHash('sha256');
  let off = 0;
  for (const t of list) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    data.set(bytes, off);
    hash.update(bytes);
    off += bytes.byteLength;
  }
  return { data, sha256: hash.digest('hex') };
}

let sliceKernelsInstalled = false;

async function useBackend(name: string): Promise<void> {
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else if (name === 'tensorflow') {
    // The main thread runs tfjs-node(-gpu); load the same family here (optional peers).
    const loaded = await import('@tensorflow/tfjs-node-gpu' as string).then(
      () => true,
      () => false,
    );
    if (!loaded) await import('@tensorflow/tfjs-node' as string);
  }
  if (!(await tf.setBackend(name))) throw new Error(`backend \`${name}\` did not initialise in the worker`);
  await tf.ready();
  // This thread's tfjs only (the training thread's is the user's): the same bytes, less copying.
  if (name === 'wasm' && !sliceKernelsInstalled) {
    installWasmSliceKernels();
    sliceKernelsInstalled = true;
  }
}

/** Whether the last init kept the model of an earlier fit (`CaptureReply` `ready`). */
let reusedModel = false;

async function init(msg: WorkerInit): Promise<void> {
  // A thread serves one fit at a time and is reused by the next: drop the previous fit's state,
  // except the probe sets the training thread did not send again (`kept`: the same tensors).
  const kept = new Map<string, tf.Tensor[]>();
  for (const [name, list] of sets) {
    if (msg.sets[name] === 'kept' && backend === msg.backend) kept.set(name, list);
    else tf.dispose(list);
  }
  sets.clear();
  for (const m of masks.values()) m.dispose();
  masks.clear();
  for (const s of scorings.values()) tf.dispose([s.targets, s.mask]);
  scorings.clear();
  references.clear();
  coreSpec = null;
  metricJobs = null;
  policyRun = null;
  scratch.clear();
  summarized.clear();
  keptPacked.clear();
  const key = workerModelKey(msg);
  const reuse = key !== null && key === builtFrom && model !== null && capture !== null;
  reusedModel = reuse;
  if (!reuse) {
    model?.dispose();
    model = null;
    capture = null;
    builtFrom = null;
  }
  if (backend !== msg.backend) {
    await useBackend(msg.backend);
    backend = msg.backend;
  }
  for (const url of msg.imports) {
    try {
      await import(url);
    } catch (e) {
      throw new Error(`workerImports: importing ${url} failed: ${(e as Error).message}`);
    }
  }
  if (!reuse) await build(msg, key);
  batchSize = msg.batchSize;
  for (const [name, list] of Object.entries(msg.sets)) {
    if (list !== 'kept') {
      sets.set(name, list.map(toTensor));
      continue;
    }
    const held = kept.get(name);
    if (!held) throw new Error(`internal: probe set \`${name}\` was not kept on the worker`);
    sets.set(name, held);
  }
  for (const [name, m] of Object.entries(msg.masks)) masks.set(name, toTensor(m));
  for (const [name, s] of Object.entries(msg.scorings)) scorings.set(name, { targets: toTensor(s.targets), mask: toTensor(s.mask), kind: s.kind });
}

/** Rebuilds the model from the init's topology and its capture (`ProbeCapture`) on it. */
async function build(msg: WorkerInit, key: string | null): Promise<void> {
  model = await tf.models.modelFromJSON({ modelTopology: msg.topology } as Parameters<typeof tf.models.modelFromJSON>[0]);
  const want = msg.weightShapes;
  const have = model.weights.map((w) => w.shape);
  if (have.length !== want.length || have.some((s, i) => s.join('x') !== want[i]!.join('x'))) {
    throw new Error(`the rebuilt model has ${have.length} weights (${have.map((s) => `[${s.join(', ')}]`).join(' ')}), the original ${want.length}`);
  }
  capture = new ProbeCapture(model, msg.layers, { pooling: msg.pooling, batchSize: msg.batchSize });
  builtFrom = key;
}

async function run(req: CaptureRequest, to: Session | null): Promise<CaptureReply> {
  const t0 = performance.now();
  const weights = req.weights.map(toTensor);
  try {
    model!.setWeights(weights);
  } finally {
    tf.dispose(weights);
  }
  const out: CaptureReply = { type: 'result', id: req.id, activations: {}, outputs: {}, ms: 0 };
  const transfer: ArrayBuffer[] = [];
  for (const [name, list] of Object.entries(req.reference ?? {}))
    references.set(name, new Map(list.map((a) => [a.layer, { rows: a.rows, cols: a.cols, data: a.data }])));
  if (req.core) coreSpec = { ...req.core, wantedSet: new Set(req.core.wanted as CoreMetricName[]) };
  for (const name of req.sets) {
    const inputs = sets.get(name);
    if (!inputs) throw new Error(`unknown probe set \`${name}\``);
    const keep = req.keepReference?.includes(name) === true;
    const known = req.summarize?.includes(name) ? references.get(name) : undefined;
    // Only summarized (the arrays stay here, read before the next capture): captured into reused arrays.
    const onlySummarized = !keep && known !== undefined && capture!.layers.every((layer) => known.has(layer));
    let into: Map<string, Float32Array> | undefined;
    if (onlySummarized && !(into = summarized.get(name))) summarized.set(name, (into = new Map<string, Float32Array>()));
    const acts = await capture!.capture(inputs.length === 1 ? inputs[0]! : inputs, masks.get(name), into);
    // A copy: the captured arrays are moved to the training thread.
    if (keep) references.set(name, new Map([...acts].map(([layer, m]) => [layer, { rows: m.rows, cols: m.cols, data: m.data.slice() }])));
    const reference = req.summarize?.includes(name) ? references.get(name) : undefined;
    if (reference && [...acts.keys()].every((layer) => reference.has(layer))) {
      // What the metrics read of them (the same `summarizeActivations` the training thread would run).
      out.summaries ??= {};
      out.summaries[name] = [...acts].map(([layer, m]) => ({ layer, summary: summarizeActivations(m, reference.get(layer)!) }));
      // A set that just became the reference (the baseline) is also returned whole: the metrics' baseline.
      if (!req.keepReference?.includes(name)) continue;
    }
    out.activations[name] = [...acts].map(([layer, m]) => {
      transfer.push((m.data as Float32Array).buffer as ArrayBuffer);
      return { layer, rows: m.rows, cols: m.cols, data: m.data as Float32Array };
    });
  }
  const evalSummaries = out.summaries?.eval;
  const core = coreSpec && evalSummaries ? coreOf(coreSpec, new Map(evalSummaries.map((s) => [s.layer, s.summary]))) : undefined;
  if (core) out.core = core;
  for (const name of req.outputs) {
    const inputs = sets.get(name);
    if (!inputs) throw new Error(`unknown probe set \`${name}\``);
    out.outputs[name] = await captureOutput(model!, inputs.length === 1 ? inputs[0]! : inputs, batchSize, scorings.get(name));
  }
  // A check's (not the baseline's, whose outputs the baseline snapshot reads, nor a checkpoint's packing).
  const metrics = metricJobs && req.sets.length > 0 && !req.keepReference?.length ? metricsOf(metricJobs, req, out) : undefined;
  if (metrics) {
    // What the training thread no longer reads: the outputs, and, when their core metrics came too,
    // the eval summaries' layers (the set stays listed, empty: it was summarized, not returned whole).
    // Each typed array of a reply is a new ArrayBuffer there, allocated cold between training steps.
    out.metrics = metrics;
    out.outputs = {};
    if (out.core && out.summaries?.eval) out.summaries.eval = [];
    if (policyRun && out.core && to) {
      try {
        out.verdict = verdictOf(policyRun, metricJobs!.names, out.core, metrics, to.checkSlot);
      } catch {
        // Never expected (a pure function on finite values); the training thread then evaluates itself.
      }
    }
  } else for (const name in out.outputs) transfer.push(out.outputs[name]!.data.buffer as ArrayBuffer);
  if (req.pack) {
    // After the captures: the verdict waits for those, the checkpoint bytes only for the verdict.
    // The sent arrays are read, never moved back (a cpu-backend model here may still use them),
    // and read before the reply: a shared buffer is reused by the training thread after it.
    const weights = pack(req.weights, req.keepPacked === true);
    const extra = pack(req.pack, req.keepPacked === true);
    if (req.keepPacked) {
      keptPacked.set(req.id, { weights: weights.data, extra: extra.data });
      const info = (p: PackedBytes) => ({ bytes: p.data.byteLength, sha256: p.sha256 });
      out.kept = { weights: info(weights), extra: info(extra) };
    } else {
      out.packed = { weights, extra };
      transfer.push(weights.data.buffer as ArrayBuffer, extra.data.buffer as ArrayBuffer);
    }
  }
  out.ms = performance.now() - t0;
  reply(to, out, transfer);
  return out;
}

const noActivations = new Map<string, Map<string, Matrix>>();

/**
 * A check's core metrics from its eval summaries, by the training thread's own function. Undefined
 * when they cannot be computed from them (e.g. a summary of non-finite activations): the training
 * thread then handles the check as before and says why.
 */
function coreOf(spec: NonNullable<typeof coreSpec>, summaries: ReadonlyMap<string, ActivationSummary>): CoreSnapshotValues | undefined {
  try {
    return coreSnapshotValues(spec.layers, noActivations, noActivations, spec.rank, spec.seed, spec.wantedSet, scratch, summaries);
  } catch {
    return undefined;
  }
}

/**
 * The session's metric results of a capture's reply `out`, by the training thread's own functions
 * on what that thread would read of the reply (`builtinMetricResult`), in the jobs' order.
 * Undefined when the training thread must compute them as before: an output they read was not
 * captured here (the fit's last check computes one there), a value is non-finite (it then says
 * which and decides on that), or a job needs that thread (a non-2-D alignment output) or threw.
 */
function metricsOf(spec: NonNullable<typeof metricJobs>, req: CaptureRequest, out: Extract<CaptureReply, { type: 'result' }>): MetricResult[] | undefined {
  for (const name of spec.outputs) if (!(name in out.outputs)) return undefined;
  // An eval set the training thread summarizes itself (no reference here yet): its summaries are made there.
  if (req.summarize?.includes('eval') && !out.summaries?.eval) return undefined;
  const activations = new Map<string, Map<string, Matrix>>();
  for (const set in out.activations) activations.set(set, new Map(out.activations[set]!.map((a) => [a.layer, a])));
  const summaries = new Map<string, Map<string, ActivationSummary>>();
  for (const set in out.summaries) summaries.set(set, new Map(out.summaries[set]!.map((x) => [x.layer, x.summary])));
  const outputs = new Map(Object.entries(out.outputs));
  if (findNonFiniteActivations(activations, outputs, summaries)) return undefined;
  const inputs = { layers: capture!.layers, activations, summaries, outputs };
  try {
    const results: MetricResult[] = [];
    for (const job of spec.jobs) {
      const r = builtinMetricResult(job, inputs);
      if (!r) return undefined;
      results.push(r);
    }
    return results;
  } catch {
    return undefined;
  }
}

/**
 * The policy evaluated on a check, on the snapshot the training thread assembles from the same
 * core metrics and results (`snapshotFromResults`) and the checked point it wrote to the check slot;
 * the session's state moves on with it (the training thread takes it only if it holds the state it
 * started from: `WorkerVerdict`).
 */
function verdictOf(run: NonNullable<typeof policyRun>, names: string[], core: CoreSnapshotValues, metrics: MetricResult[], slot: Float64Array): WorkerVerdict {
  const flags = slot[3]!;
  const at = { step: slot[0]!, epoch: slot[1]!, loss: flags & CHECK_LOSS_NULL ? null : slot[2]!, nonfinite: (flags & CHECK_NONFINITE) !== 0 };
  const { values } = snapshotFromResults(core, names, metrics, at);
  const { decisions, state, notices } = evaluatePolicy(run.policy, run.state, { step: at.step, epoch: at.epoch, values });
  const verdict: WorkerVerdict = {
    gen: run.gen,
    n: run.n,
    step: at.step,
    loss: at.loss,
    state: { checks: state.checks, consecutive: state.consecutive, unevaluable: state.unevaluable },
    decisions,
    notices,
  };
  run.state = state;
  run.n += 1;
  return verdict;
}

/** A kept checkpoint's write: the same `writeCheckpointDir` as the training thread's, with the bytes packed here. */
async function write(msg: WriteRequest, to: Session | null): Promise<void> {
  const bytes = keptPacked.get(msg.capture);
  keptPacked.delete(msg.capture);
  try {
    if (!bytes) throw new Error(`no checkpoint bytes kept for capture ${msg.capture}`);
    const files: [string, Uint8Array | string][] = [[WEIGHTS_BIN, bytes.weights]];
    if (msg.optimizerBin) files.push([OPTIMIZER_BIN, bytes.extra]);
    await writeCheckpointDir(msg.dir, [...files, ...msg.files], () => msg.tail);
    // Written: nothing reads them any more (after a failure they are left to the GC, in case a write still holds one).
    reusePacked(bytes);
    reply(to, { type: 'written', id: msg.id });
  } catch (e) {
    reply(to, { type: 'written', id: msg.id, error: (e as Error).message });
  }
}

/** The outputs a metric job reads (all of them must come from this thread's capture). */
function jobOutputs(job: BuiltinMetricJob): string[] {
  if (job.kind === 'alignment.score') return job.given ? ['alignment'] : [];
  if (job.kind === 'preference') return job.given ? ['preference.chosen', 'preference.rejected'] : [];
  return [];
}

let queue: Promise<unknown> = Promise.resolve();

/** Queues a request: one at a time, a request waits for init, captures never overlap. */
function enqueue(msg: WorkerInit | CaptureRequest, to: Session | null): void {
  queue = queue.then(async () => {
    try {
      if (msg.type === 'init') {
        await init(msg);
        reply(to, { type: 'ready', bell: bellHeard, reused: reusedModel });
      } else {
        await run(msg, to);
      }
    } catch (e) {
      reply(to, { type: 'error', id: msg.type === 'capture' ? msg.id : null, message: (e as Error).message });
    }
  });
}

/**
 * Waits (without blocking the event loop: file writes and messages go on) for `session`'s bell
 * to be rung, then queues the rung template with the rung id, and waits again. The session rings
 * only when every posted request whose order counts (a template, a reference, the core metrics
 * spec) has been answered (`WorkerCapture.capture`), so a rung request overtakes none of those.
 * Ends once another session took the thread (the init rings the old bell to wake this).
 */
function listen(session: Session, heard = Atomics.load(session.bell, 0)): void {
  const rung = () => {
    if (current !== session) return;
    // The count this wake saw: a ring after it (even before the wait below starts) wakes the next wait.
    const now = Atomics.load(session.bell, 0);
    const id = Atomics.load(session.bell, 1);
    const template = session.templates.get(Atomics.load(session.bell, 2));
    if (template) enqueue({ ...template, id }, session);
    // Never rung so (a template is answered, hence here, before it is rung): answered, not left waiting.
    else reply(session, { type: 'error', id, message: 'internal: rung for a template this thread does not have' });
    listen(session, now);
  };
  const wait = waitAsync!(session.bell, 0, heard);
  if (wait.async) void wait.value.then(rung);
  else rung();
}

port.on('message', (msg: WorkerInit | CaptureRequest | WriteRequest | DropRequest | MetricJobsRequest | PolicyStateRequest) => {
  if (msg.type === 'init') {
    // A new session (the previous one released this thread before it was handed on): from now on
    // replies go to its port. Requests of the previous session still queued or writing answer on
    // the previous port, closed here and at its end: they reach nobody.
    const previous = current;
    current = {
      port: msg.replyPort,
      flag: new Int32Array(msg.replies),
      checkSlot: new Float64Array(msg.checkSlot),
      bell: new Int32Array(msg.bell),
      templates: new Map(),
    };
    if (previous) {
      previous.port.close();
      // Its bell listener wakes, sees the new session and ends.
      Atomics.add(previous.bell, 0, 1);
      Atomics.notify(previous.bell, 0);
    }
    if (bellHeard) listen(current);
  }
  // Answered on the port of the session that sent it, even when it ends before the answer.
  const to = current;
  // Checkpoint writes wait on the disk, not the CPU: beside the captures, not in their queue.
  if (msg.type === 'write') return void write(msg, to);
  if (msg.type === 'drop') {
    reusePacked(keptPacked.get(msg.capture));
    return void keptPacked.delete(msg.capture);
  }
  // In the queue: after the init it belongs to (which clears the previous session's jobs).
  if (msg.type === 'metrics') {
    queue = queue.then(() => {
      if (current !== to) return;
      metricJobs = { jobs: msg.jobs, names: msg.names, outputs: [...new Set(msg.jobs.flatMap(jobOutputs))] };
      policyRun = msg.policy ? { ...msg.policy, n: 0 } : null;
    });
    return;
  }
  if (msg.type === 'policyState') {
    queue = queue.then(() => {
      if (current === to && policyRun) policyRun = { policy: policyRun.policy, state: msg.state, gen: msg.gen, n: 0 };
    });
    return;
  }
  // Kept before the request runs: the session rings only after it was answered.
  if (msg.type === 'capture' && msg.template !== undefined && to) to.templates.set(msg.template, msg);
  enqueue(msg, to);
});
