import type { MessagePort } from 'node:worker_threads';
import type { CheckpointDirTail } from '../checkpoints/writeCheckpointDir.js';
import type { BuiltinMetricJob } from '../guard/builtinMetricJob.js';
import type { CoreSnapshotValues } from '../guard/computeCoreMetrics.js';
import type { MetricResult } from '../guard/pluginTypes.js';
import type { Decision } from '../policy/decision.js';
import type { Policy } from '../policy/policy.js';
import type { PolicyNotice } from '../policy/policyNotice.js';
import type { PolicyState } from '../policy/policyState.js';
import type { ActivationSummary } from '../metrics/activationSummary.js';
import type { PreferenceOutput } from '../metrics/preferenceScores.js';
import type { ModelOutput } from './captureOutput.js';
import type { Pooling } from './probeTypes.js';

/**
 * The capture worker thread's nice value above the training thread's. Linux schedules a process's
 * threads within one group (its autogroup or cgroup): on a busy machine, CPU the worker takes comes
 * out of the training thread's share. One step lower in priority (+5: a quarter of the training
 * thread's weight), the worker uses what training leaves (on a free core, everything it needs) and
 * training keeps its share; a verdict may come a few batches later. Measured at load 12 on 2 cores:
 * a training step took 945 ms wall next to a busy worker of equal priority vs 529 ms next to an idle
 * one; 586 vs 493 ms with the worker at +5 (same training CPU per step, ≈ 165 ms, in all cases).
 */
export const WORKER_NICER_BY = 5;

/** A tensor's contents as they cross to the worker (copied out of the live tensor). */
export interface TransferredTensor {
  data: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
}

/** Sent once: how to rebuild the model and which probe sets to keep. */
export interface WorkerInit {
  type: 'init';
  backend: string;
  /** `model.toJSON(null, false)`: the topology without weights. */
  topology: unknown;
  /** Shapes of `model.weights`, in order: the rebuilt model must match them. */
  weightShapes: number[][];
  layers: string[];
  pooling: Pooling;
  batchSize: number;
  /** File URLs imported before the model is rebuilt (`workerImports`: modules registering custom layers). */
  imports: string[];
  /** Token masks of probe sets (`probes.masks`) for mask-aware mean pooling. */
  masks: Record<string, TransferredTensor>;
  /**
   * Probe set name → its input tensors, or `kept`: the same tensors (same `dataId`s, same backend)
   * as this thread's previous init, which it keeps instead of being sent them again.
   */
  sets: Record<string, TransferredTensor[] | 'kept'>;
  /** Output sets reduced to answer scores on the worker (preference sets): their targets, masks and output kind. */
  scorings: Record<string, { targets: TransferredTensor; mask: TransferredTensor; kind: PreferenceOutput }>;
  /**
   * One Int32 the worker sets to 1 (`Atomics.store`) after each reply it posts: the training
   * thread takes the replies (`receiveMessageOnPort` on `replyPort`, or an event-loop turn) only
   * when it finds it set, and clears it first. One per session (fit): a previous session's late
   * replies set only its own.
   */
  replies: SharedArrayBuffer;
  /**
   * Where every reply of this session goes (results, errors, `written`, `ready`): one channel per
   * session (fit), so the training thread can take them synchronously, and a previous session's
   * late replies (its port closed at `release`) reach nobody. The worker answers each request on
   * the port of the session that sent it.
   */
  replyPort: MessagePort;
  /**
   * The session's bell (`BELL_INTS` Int32s): a check that repeats one of the session's `template`
   * requests with new weights in the same shared buffer is rung here (`WorkerCapture.capture`)
   * instead of posted. Serializing and posting a request measured ≈ 100 µs of the training
   * thread per check (p50, cold code between training steps), a bell ≈ 8 µs (microbenchmark) to
   * 20–60 µs (in a fit, loaded machine); the worker is woken either way.
   */
  bell: SharedArrayBuffer;
  /**
   * The checked point of the check in flight (`CHECK_SLOT_DOUBLES` float64s: step, epoch, the loss
   * window's mean, flags `CHECK_LOSS_NULL` | `CHECK_NONFINITE`), written by the training thread
   * before it sends the check (`WorkerCapture.markCheck`), read by the worker for that check's
   * snapshot and policy (`MetricJobsRequest.policy`). At most one check is out at a time.
   */
  checkSlot: SharedArrayBuffer;
}

/** Float64s of a check slot (`WorkerInit.checkSlot`). */
export const CHECK_SLOT_DOUBLES = 4;
/** Check slot flag: the window had no finite loss (the snapshot's `loss` is null). */
export const CHECK_LOSS_NULL = 1;
/** Check slot flag: the window saw a non-finite loss. */
export const CHECK_NONFINITE = 2;

/** Int32s of a bell: [0] how many times it was rung, [1] the id of the request rung last, [2] its template (`CaptureRequest.template`). */
export const BELL_INTS = 3;

/**
 * What the worker needs to compute a check's core metrics from its eval summaries
 * (`coreSnapshotValues` with `evalSummaries`): the watched layers in the snapshot's order, the
 * subspace rank, the seed and the wanted core metrics (only ones an eval summary suffices for).
 */
export interface CoreMetricsSpec {
  layers: string[];
  rank: number;
  seed: number;
  wanted: string[];
}

/** One check: the weights copied at that step, and what to capture. */
export interface CaptureRequest {
  type: 'capture';
  id: number;
  weights: TransferredTensor[];
  /** Probe sets whose layer activations to capture. */
  sets: string[];
  /** Probe sets whose model output (first output; answer scores for sets with a scoring) to return. */
  outputs: string[];
  /**
   * When given: also pack the weights (in order) and then these tensors (e.g. optimizer state)
   * into one byte array each, as `tf.io.encodeWeights` lays them out, with their sha256: the
   * bytes of a checkpoint, made off the training thread from values sent anyway.
   */
  pack?: TransferredTensor[];
  /**
   * Probe sets to return as `ActivationSummary`s against the worker's reference for the set (the
   * baseline activations) instead of as activations; a set without a reference comes back whole.
   * A set also in `keepReference` comes back both ways (its summary against itself).
   */
  summarize?: string[];
  /** Probe set → the reference activations to summarize it against from now on (replaces the kept one). */
  reference?: Record<string, TransferredActivations[]>;
  /** Probe sets whose activations captured by this request become their reference (the baseline capture). */
  keepReference?: string[];
  /**
   * From this request on (until the next `init`): compute the core metrics of each capture whose
   * `eval` set comes back summarized, and return them (`core`), so the training thread does not.
   */
  core?: CoreMetricsSpec;
  /**
   * With `pack`: keep the packed bytes here (reply `kept`: their sizes and hashes) for a later
   * `write` (or `drop`) naming this request's id, instead of sending them back (`packed`).
   */
  keepPacked?: boolean;
  /**
   * Keep this request (all but its id and the weights' values) as the session's template number
   * `template` (replacing an earlier one of that number): the session may then ring the bell
   * (`WorkerInit.bell`) for the same request with a new id, its weights copied anew into the same
   * shared buffer. Only for a request without `reference`, `keepReference` or `core`, whose
   * weights (and `pack`) view one shared buffer.
   */
  template?: number;
}

/**
 * Writes the checkpoint whose bytes capture request `capture` kept: `writeCheckpointDir(dir,
 * [weights.bin, optimizer.bin when `optimizerBin`, ...files], () => tail)`. Answered by `written`.
 * Runs beside the captures, not after them.
 */
export interface WriteRequest {
  type: 'write';
  id: number;
  capture: number;
  dir: string;
  optimizerBin: boolean;
  files: [string, Uint8Array | string][];
  tail: CheckpointDirTail;
}

/** Frees the bytes capture request `capture` kept (its checkpoint is not kept). */
export interface DropRequest {
  type: 'drop';
  capture: number;
}

/**
 * From now on (until the next `init`): compute these metrics (the fit's metric plugins, in order,
 * all built-in: `builtinMetricResult`) from each capture's reply, and send their results
 * (`metrics`) instead of the outputs they read, so the training thread takes a smaller reply and
 * computes nothing of them. Queued behind
 * the requests posted before it; a request it does not reach yet is answered as before.
 */
export interface MetricJobsRequest {
  type: 'metrics';
  jobs: BuiltinMetricJob[];
  /** The metric plugins' names, in the jobs' order (the snapshot's keys). */
  names: string[];
  /**
   * When given: also evaluate `policy` on each check whose snapshot the worker can assemble (its
   * core metrics and metric results computed here), starting from `state` (numbered `gen`, 0
   * checks in), and answer with the evaluation (`verdict`).
   */
  policy?: { policy: Policy; state: PolicyState; gen: number };
}

/**
 * The training thread evaluated the policy itself (a non-finite loss, a check computed there, a
 * verdict it could not take): its state, numbered `gen`, replaces the worker's.
 */
export interface PolicyStateRequest {
  type: 'policyState';
  state: PolicyState;
  gen: number;
}

/**
 * The worker's evaluation of the policy on a check (`MetricJobsRequest.policy`): valid for the
 * training thread only when its own state is the one this started from (`gen`, `n` checks into it).
 * The state comes without its `baseline` (unchanged by an evaluation: the training thread keeps it).
 */
export interface WorkerVerdict {
  gen: number;
  n: number;
  /** The checked point the snapshot was assembled with (from the check slot). */
  step: number;
  loss: number | null;
  state: Omit<PolicyState, 'baseline'>;
  decisions: Decision[];
  notices: PolicyNotice[];
}

/** Size and hash of bytes packed and kept on the worker. */
export interface KeptBytes {
  bytes: number;
  sha256: string;
}

/** Tensors' bytes laid end to end, and their hex sha256. */
export interface PackedBytes {
  data: Uint8Array;
  sha256: string;
}

/** A captured layer of one probe set. */
export interface TransferredActivations {
  layer: string;
  rows: number;
  cols: number;
  data: Float32Array | Float64Array;
}

/** A summarized layer of one probe set. */
export interface TransferredSummary {
  layer: string;
  summary: ActivationSummary;
}

export type CaptureReply =
  /**
   * `bell`: the worker listens on the session's bell (`WorkerInit.bell`). `reused`: it kept the
   * model it built for an earlier fit of the same architecture instead of rebuilding it.
   */
  | { type: 'ready'; bell: boolean; reused: boolean }
  | { type: 'error'; id: number | null; message: string }
  | { type: 'written'; id: number; error?: string }
  | {
      type: 'result';
      id: number;
      activations: Record<string, TransferredActivations[]>;
      outputs: Record<string, ModelOutput>;
      /** Sets asked for in `summarize` whose reference the worker had: their summaries (not in `activations`). */
      summaries?: Record<string, TransferredSummary[]>;
      /** The core metrics of the summarized `eval` set (`CaptureRequest.core`), when it could compute them. */
      core?: CoreSnapshotValues;
      /**
       * The results of the session's metric jobs (`MetricJobsRequest`), in order, when the worker
       * computed them: only when it had every output they read, found no non-finite value (the
       * training thread then says which and decides on it), and no job needed the training thread.
       * With them, `outputs` is empty, and so is `summaries.eval` when `core` came too.
       */
      metrics?: MetricResult[];
      /** The policy evaluated on this check (`MetricJobsRequest.policy`), when the worker could. */
      verdict?: WorkerVerdict;
      /** The packed weights and `pack` tensors, when the request asked for them. */
      packed?: { weights: PackedBytes; extra: PackedBytes };
      /** The same, kept on the worker (`keepPacked`): sizes and hashes only. */
      kept?: { weights: KeptBytes; extra: KeptBytes };
      /** Worker time for this request, ms (off the training thread). */
      ms: number;
    };
