import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_JSON, WEIGHTS_BIN, modelJsonFor, weightBytes } from '../io/fileSystemHandler.js';
import { tempDirPid } from '../io/writeDirAtomic.js';
import { captureArtifacts, captureOptimizerState, trainingConfigOf } from './captureModelState.js';
import { CheckpointError } from './CheckpointError.js';
import type { BestMetric, CheckpointFileInfo, CheckpointIndex, CheckpointManifest, CheckpointSelector } from './CheckpointManifest.js';
import { checkpointId, checkpointsDir, emptyIndex, indexFile, MANIFEST_FILE, OPTIMIZER_BIN, OPTIMIZER_JSON, readIndex } from './checkpointIndex.js';
import { removeCheckpointDir } from './removeCheckpointDir.js';
import { resolveCheckpoint } from './resolveCheckpoint.js';
import { retainedIds } from './retention.js';
import { optimizerStateToRestore, restoreModelWeights, restoreOptimizerState } from './restoreWeights.js';
import { sha256 } from './verifyCheckpoint.js';
import { writeCheckpointDir, type CheckpointDirTail } from './writeCheckpointDir.js';

/** Options of `CheckpointStore`. */
export interface CheckpointStoreOptions {
  /** Run directory; checkpoints go to `runDir/checkpoints/`. */
  runDir: string;
  /** How many of the newest checkpoints to keep. Default 3. */
  keep?: number;
  /** Also keep (and let `best` select) the best checkpoint by this metric. Default null (none). */
  keepBest?: BestMetric | null;
  /** Also keep the newest safe checkpoint however old, so rollback always has a target. Default true. */
  keepLastSafe?: boolean;
}

/** What the caller knows about the moment of a checkpoint. */
export interface CheckpointSaveMeta {
  step: number;
  epoch: number;
  metrics: Record<string, number | null>;
  /** No warning/critical rule was firing. */
  safe: boolean;
  reason: string;
  /** Also save optimizer state (`optimizer.bin` + `optimizer.json`). Default false. */
  includeOptimizer?: boolean;
}

/** Options of `CheckpointStore.restoreInto`. */
export interface RestoreOptions {
  /** true: require optimizer state; false: weights only; default: restore it when both sides have it. */
  restoreOptimizer?: boolean;
  /** Try the previous candidate when the selected checkpoint is damaged. Default false. */
  fallback?: boolean;
}

/** Directory names the store itself creates; anything else under `checkpoints/` is left alone. */
const OWN_DIR = /^ckpt-\d+-e\d+(-\d+)?$/;

/** The writer pid of a staged `index.json` temp file, or null. */
function stagedIndexPid(name: string): number | null {
  const m = /^\.index\.json\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
  return m ? Number(m[1]) : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describe(value: unknown): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\` (${typeof value})`;
}

function invalid(message: string): CheckpointError {
  return new CheckpointError('INVALID_ARGUMENT', message);
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Crash-safe checkpoints of one run in the tfjs file format. Each checkpoint is written into a temp
 * dir, fsynced, renamed into place; only then is `index.json` replaced (atomically), and only after
 * that are old checkpoints evicted. A crash at any instant leaves the index listing complete
 * checkpoints only; leftovers (temp dirs, evicted-but-not-removed dirs) are cleaned on the next
 * open. One writer per run dir.
 */
export class CheckpointStore {
  readonly runDir: string;
  readonly dir: string;
  readonly keep: number;
  readonly keepBest: BestMetric | null;
  readonly keepLastSafe: boolean;
  private index: CheckpointIndex;
  /** Saves and restores run one at a time (an interrupt handler may save while a periodic save runs). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Removal of evicted checkpoint dirs, which runs after `save` has resolved; `flush` waits for it. */
  private background: Promise<void> = Promise.resolve();
  /** Ids whose directories are still being removed: never reused until gone. */
  private readonly evicting = new Set<string>();
  /**
   * Ids this store began to write, durable or not (a write that failed after its rename leaves the
   * directory): never reused. With the index and `evicting` these are every store-named directory
   * under `checkpoints/` since the constructor removed the others, so no id is probed on disk.
   */
  private readonly begun = new Set<string>();
  /** sha256 of the last JSON file of each name: a fit's `model.json` and `optimizer.json` rarely change between checkpoints. */
  private readonly jsonHashes = new Map<string, { data: string; sha256: string }>();

  constructor(options: CheckpointStoreOptions) {
    if (!options || typeof options.runDir !== 'string' || options.runDir === '') {
      throw invalid(`Expected \`runDir\` to be a non-empty path, got ${describe(options?.runDir)}`);
    }
    const keep = options.keep ?? 3;
    if (!Number.isInteger(keep) || keep < 1) throw invalid(`Expected \`keep\` to be an integer >= 1, got ${describe(keep)}`);
    const keepBest = options.keepBest ?? null;
    if (keepBest !== null && (typeof keepBest.metric !== 'string' || keepBest.metric === '' || (keepBest.mode !== 'min' && keepBest.mode !== 'max'))) {
      throw invalid(`Expected \`keepBest\` to be { metric: string, mode: 'min' | 'max' } or null, got ${describe(keepBest)}`);
    }
    this.runDir = options.runDir;
    this.dir = checkpointsDir(options.runDir);
    this.keep = keep;
    this.keepBest = keepBest;
    this.keepLastSafe = options.keepLastSafe ?? true;
    mkdirSync(this.dir, { recursive: true });
    this.index = readIndex(this.runDir) ?? emptyIndex(keepBest);
    this.removeLeftovers();
  }

  /** Every checkpoint in `index.json`, oldest first. */
  list(): CheckpointManifest[] {
    return (readIndex(this.runDir) ?? emptyIndex(this.keepBest)).checkpoints;
  }

  /** Writes a checkpoint of `model` and applies retention; resolves to its manifest. */
  async save(model: tf.LayersModel, meta: CheckpointSaveMeta): Promise<CheckpointManifest> {
    this.validateMeta(meta);
    return this.serialize(async () => this.write(await captureState(model, meta.includeOptimizer ?? false), meta));
  }

  /** Copies `model`'s weights (and optimizer state) for a later `saveCaptured`. */
  async captureState(model: tf.LayersModel, includeOptimizer: boolean): Promise<CapturedModelState> {
    return captureState(model, includeOptimizer);
  }

  /**
   * Writes state copied earlier by `captureState` (e.g. at a check whose verdict came later) as a
   * checkpoint in the background: returns at once with `written`, which settles when the
   * checkpoint is durable and indexed (or failed). Training can go on meanwhile: the fsyncs,
   * hashing and renames then cost the training loop almost nothing. Later saves, `restoreInto`
   * and `flush` queue behind the write. Do not restore into the model while it is being copied.
   */
  saveCaptured(state: CapturedModelState, meta: CheckpointSaveMeta): { written: Promise<CheckpointManifest> } {
    this.validateMeta(meta);
    return { written: this.serialize(() => this.write(state, meta)) };
  }

  /**
   * Sets the weights of a verified checkpoint into the live `model` (same count and shapes), and
   * its optimizer state as `options.restoreOptimizer` asks. Resolves to the restored manifest.
   */
  async restoreInto(model: tf.LayersModel, selector: CheckpointSelector, options: RestoreOptions = {}): Promise<CheckpointManifest> {
    return this.serialize(async () => {
      const { checkpoint } = resolveCheckpoint(this.runDir, selector, options);
      const optimizerState = optimizerStateToRestore(model, checkpoint, options.restoreOptimizer);
      restoreModelWeights(model, checkpoint.artifacts, checkpoint.manifest.id);
      if (optimizerState) await restoreOptimizerState(model, optimizerState, checkpoint.manifest.id);
      return checkpoint.manifest;
    });
  }

  /** Resolves when every pending save, restore and background eviction has finished. */
  async flush(): Promise<void> {
    await this.serialize(async () => undefined);
    await this.background;
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private validateMeta(meta: CheckpointSaveMeta): void {
    if (!meta || typeof meta !== 'object') throw invalid(`Expected checkpoint meta to be an object, got ${describe(meta)}`);
    if (!isNonNegInt(meta.step)) throw invalid(`Expected \`step\` to be an integer >= 0, got ${describe(meta.step)}`);
    if (!isNonNegInt(meta.epoch)) throw invalid(`Expected \`epoch\` to be an integer >= 0, got ${describe(meta.epoch)}`);
    if (typeof meta.safe !== 'boolean') throw invalid(`Expected \`safe\` to be a boolean, got ${describe(meta.safe)}`);
    if (typeof meta.reason !== 'string') throw invalid(`Expected \`reason\` to be a string, got ${describe(meta.reason)}`);
    if (!meta.metrics || typeof meta.metrics !== 'object') throw invalid(`Expected \`metrics\` to be an object of numbers, got ${describe(meta.metrics)}`);
  }

  private async write(state: CapturedModelState, meta: CheckpointSaveMeta): Promise<CheckpointManifest> {
    const { artifacts, optimizer, modelName, remote } = state;
    const known = new Set(this.index.checkpoints.map((c) => c.id));
    const id = checkpointId(meta.step, meta.epoch, (candidate) => known.has(candidate) || this.evicting.has(candidate) || this.begun.has(candidate));
    this.begun.add(id);
    // The files this thread writes: all of them, or, for a checkpoint whose bytes the capture
    // worker holds (`remote`), the JSON ones (the binary ones are written there).
    const files: [string, Uint8Array | string][] = [];
    if (!remote) files.push([WEIGHTS_BIN, weightBytes(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined)]);
    files.push([MODEL_JSON, JSON.stringify(modelJsonFor(artifacts))]);
    if (optimizer) {
      if (!remote) files.push([OPTIMIZER_BIN, optimizer.data ?? new Uint8Array(0)]);
      files.push([OPTIMIZER_JSON, optimizer.json]);
    }
    let planned: { manifest: CheckpointManifest; next: CheckpointIndex } | null = null;
    // Each file's fsync runs on the thread pool while this thread hashes it (measured: faster than
    // hashing on the pool with WebCrypto, which competes with the fsyncs).
    const tail = (): CheckpointDirTail => {
      const own = new Map(files);
      const infos: Record<string, CheckpointFileInfo> = {};
      for (const name of [WEIGHTS_BIN, MODEL_JSON, OPTIMIZER_BIN, OPTIMIZER_JSON]) {
        const given = remote?.files[name];
        const data = own.get(name);
        if (given) infos[name] = given;
        else if (data !== undefined)
          infos[name] = {
            sha256: state.sha256?.[name] ?? this.hashOf(name, data),
            bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength,
          };
      }
      const metrics: Record<string, number | null> = {};
      for (const [k, v] of Object.entries(meta.metrics)) metrics[k] = typeof v === 'number' && Number.isFinite(v) ? v : null;
      const manifest: CheckpointManifest = {
        id,
        step: meta.step,
        epoch: meta.epoch,
        created: new Date().toISOString(),
        metrics,
        safe: meta.safe,
        reason: meta.reason,
        files: infos,
        tfjsVersion: tf.version.tfjs ?? tf.version_core,
        hasOptimizer: optimizer !== null,
        modelName,
      };
      const all = [...this.index.checkpoints, manifest];
      const keepIds = retainedIds(all, { keep: this.keep, keepBest: this.keepBest, keepLastSafe: this.keepLastSafe });
      const next: CheckpointIndex = { ...emptyIndex(this.keepBest), checkpoints: all.filter((c) => keepIds.has(c.id)) };
      planned = { manifest, next };
      // The new index syncs alongside the checkpoint files but replaces index.json only once the
      // checkpoint directory is durable under its final name. The thread holding a checkpoint's
      // bytes (`remote`) also removes the directories the new index drops, once it is committed.
      const evict = remote
        ? all.filter((c) => !keepIds.has(c.id) && OWN_DIR.test(c.id)).map((c) => ({ dir: join(this.dir, c.id), files: Object.keys(c.files) }))
        : [];
      return {
        files: [[MANIFEST_FILE, JSON.stringify(manifest, null, 1) + '\n']],
        index: indexFile(this.runDir, next),
        ...(evict.length > 0 ? { evict } : {}),
      };
    };
    const dir = join(this.dir, id);
    if (remote) await remote.write(dir, files, tail());
    else await writeCheckpointDir(dir, files, tail);
    if (!planned) throw new Error('internal: checkpoint written without its manifest');
    const { manifest, next } = planned as { manifest: CheckpointManifest; next: CheckpointIndex };
    const kept = new Set(next.checkpoints.map((c) => c.id));
    const evicted = [...this.index.checkpoints, manifest].filter((c) => !kept.has(c.id));
    this.index = next;
    // Evicted dirs are removed in the background, off the training step's critical path: by the
    // thread that wrote this checkpoint (`remote`: it does not say when it is done, so those ids
    // stay taken), else from here.
    for (const c of evicted) this.evicting.add(c.id);
    if (remote) return manifest;
    const removal = Promise.all(
      // Only directories named as the store names them: an index edited by hand cannot point the removal elsewhere.
      evicted
        .filter((c) => OWN_DIR.test(c.id))
        .map((c) =>
          removeCheckpointDir(join(this.dir, c.id), Object.keys(c.files)).then(
            () => this.evicting.delete(c.id),
            () => undefined, // still on disk, so never reused: the next open removes the orphan
          ),
        ),
    );
    this.background = Promise.all([this.background, removal]).then(() => undefined);
    return manifest;
  }

  private hashOf(name: string, data: Uint8Array | string): string {
    if (typeof data !== 'string') return sha256(data);
    const last = this.jsonHashes.get(name);
    if (last?.data === data) return last.sha256;
    const hash = sha256(data);
    this.jsonHashes.set(name, { data, sha256: hash });
    return hash;
  }

  /**
   * Removes what a crashed writer left: temp dirs and staged index files of dead processes, and
   * store-named dirs the index no longer lists (evicted, or renamed into place just before a crash).
   */
  private removeLeftovers(): void {
    const listed = new Set(this.index.checkpoints.map((c) => c.id));
    for (const name of readdirSync(this.dir)) {
      const pid = tempDirPid(name) ?? stagedIndexPid(name);
      const stale = pid !== null ? !isAlive(pid) : OWN_DIR.test(name) && !listed.has(name);
      if (stale) rmSync(join(this.dir, name), { recursive: true, force: true });
    }
  }
}

/** A model's state copied out at one step: what a checkpoint holds (opaque to callers). */
export interface CapturedModelState {
  readonly artifacts: tf.io.ModelArtifacts;
  readonly optimizer: { json: string; data?: Uint8Array } | null;
  readonly modelName: string;
  /** sha256 of files whose bytes were hashed where they were packed (`planPackedState`: the capture worker). */
  readonly sha256?: Readonly<Record<string, string>>;
  /**
   * Set when another thread (the capture worker) holds the binary files' bytes (`weightData` and
   * `optimizer.data` are then absent): their sizes and hashes, and how to have that thread write
   * the checkpoint (`writeCheckpointDir` there, with this thread's JSON files and tail).
   */
  readonly remote?: RemoteCheckpointFiles;
}

/** The binary files of a checkpoint that another thread holds and writes; see `CapturedModelState.remote`. */
export interface RemoteCheckpointFiles {
  readonly files: Readonly<Record<string, CheckpointFileInfo>>;
  /** `writeCheckpointDir(dir, [its files, ...files], () => tail)` on the thread holding the bytes. */
  write(dir: string, files: readonly [string, Uint8Array | string][], tail: CheckpointDirTail): Promise<void>;
  /** Frees the bytes when the checkpoint is not kept. */
  drop(): void;
}

async function captureState(model: tf.LayersModel, includeOptimizer: boolean): Promise<CapturedModelState> {
  const artifacts = await captureArtifacts(model);
  const optimizer = includeOptimizer ? await captureOptimizerState(model) : null;
  const trainingConfig = trainingConfigOf(model);
  if (trainingConfig !== undefined) artifacts.trainingConfig = trainingConfig;
  return { artifacts, optimizer, modelName: model.name };
}
