import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { WEIGHTS_BIN } from '../io/fileSystemHandler.js';
import { optimizerToSave, trainingConfigOf } from './captureModelState.js';
import { OPTIMIZER_BIN } from './checkpointIndex.js';
import type { CapturedModelState, RemoteCheckpointFiles } from './CheckpointStore.js';
import type { CheckpointDirTail } from './writeCheckpointDir.js';
import { disposeOptimizerCopies } from './restoreWeights.js';

/** Bytes laid end to end as `tf.io.encodeWeights` does, with their hex sha256 (made by the capture worker). */
export interface PackedWeightBytes {
  weights: { data: Uint8Array; sha256: string };
  extra: { data: Uint8Array; sha256: string };
}

/** Sizes and hashes of packed bytes that stay where they were packed (the capture worker). */
export interface KeptWeightBytes {
  weights: { bytes: number; sha256: string };
  extra: { bytes: number; sha256: string };
}

/** The thread holding kept bytes: writes the checkpoint there, or frees them. */
export interface KeptBytesWriter {
  write(dir: string, files: readonly [string, Uint8Array | string][], tail: CheckpointDirTail, optimizerBin: boolean): Promise<void>;
  drop(): void;
}

/**
 * A checkpoint of the model as it is now, whose bytes are packed elsewhere: everything small is
 * taken here (topology, weight specs, optimizer config, training config), and the weights plus
 * `extra` (the optimizer state, in `optimizer.getWeights()` order) are read by whoever packs
 * them, synchronously, before the model trains on. `finish` gives the same `CapturedModelState`
 * as `CheckpointStore.captureState`, file for file, without this thread copying, concatenating
 * or hashing the bytes.
 */
export interface PackedStatePlan {
  /** Tensors to pack after the model's weights; read them before the next training step. */
  readonly extra: readonly tf.Tensor[];
  /** The captured state from the packed bytes of `model.weights` then `extra`. */
  finish(packed: PackedWeightBytes): CapturedModelState;
  /**
   * The captured state whose binary files stay with the thread that packed them (`writer`): the
   * store writes the JSON files, the manifest and the index through it (`CapturedModelState.remote`),
   * with the same contents and hashes as `finish` would give.
   */
  finishRemote(kept: KeptWeightBytes, writer: KeptBytesWriter): CapturedModelState;
  /** Frees the tensors the plan made (the optimizer's iteration count); never the live ones. */
  dispose(): void;
}

/**
 * The tensors' bytes end to end and their hex sha256, packed on this thread: what the capture
 * worker's `pack` gives for the same values (each tensor's typed array, in order; the layout
 * `tf.io.encodeWeights` concatenates), for a copy whose worker failed before packing it.
 */
export function packTensors(tensors: readonly tf.Tensor[]): { data: Uint8Array; sha256: string } {
  const parts = tensors.map((t) => {
    const v = t.dataSync();
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  });
  const data = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  const hash = createHash('sha256');
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    hash.update(p);
    offset += p.byteLength;
  }
  return { data, sha256: hash.digest('hex') };
}

/** The bytes as an ArrayBuffer: the array's own buffer when it spans all of it (a packed array does), else a copy. */
function ownBuffer(a: Uint8Array): ArrayBuffer {
  const b = a.buffer as ArrayBuffer;
  return a.byteOffset === 0 && a.byteLength === b.byteLength ? b : b.slice(a.byteOffset, a.byteOffset + a.byteLength);
}

const specOf = (name: string, t: tf.Tensor): tf.io.WeightsManifestEntry => ({ name, shape: t.shape, dtype: t.dtype as tf.io.WeightsManifestEntry['dtype'] });

/**
 * The parts of a model's checkpoint that stay the same while it trains (its topology and weight
 * specs), kept by `planPackedState` between the checkpoints of one fit: rebuilding the topology
 * (`model.toJSON`) cost ≈ 0.2 ms of the training thread per checkpoint. Kept per model and per
 * trainable flags (the one setting users change mid-training; it changes the topology and the
 * order of `model.weights`); the learning rate and other optimizer settings are read each time.
 */
export class ModelLayoutCache {
  private model: tf.LayersModel | null = null;
  private key = '';
  private layout: { weightSpecs: tf.io.WeightsManifestEntry[]; modelTopology: tf.io.ModelArtifacts['modelTopology'] } | null = null;

  /** What `model.save` records: `getNamedWeights` (every weight, its original name) and `toJSON`. */
  of(model: tf.LayersModel): { weightSpecs: tf.io.WeightsManifestEntry[]; modelTopology: tf.io.ModelArtifacts['modelTopology'] } {
    const key = trainableKey(model);
    if (this.layout && this.model === model && this.key === key) return this.layout;
    const layout = modelLayout(model);
    [this.model, this.key, this.layout] = [model, key, layout];
    return layout;
  }
}

/** Every layer's trainable flag, nested models' layers included. */
function trainableKey(model: { trainable: boolean; layers?: readonly { trainable: boolean }[] }): string {
  let key = model.trainable ? '1' : '0';
  if (model.layers) key += `[${model.layers.map(trainableKey).join('')}]`;
  return key;
}

function modelLayout(model: tf.LayersModel): { weightSpecs: tf.io.WeightsManifestEntry[]; modelTopology: tf.io.ModelArtifacts['modelTopology'] } {
  return {
    weightSpecs: model.weights.map((w) => specOf(w.originalName, w.read())),
    modelTopology: model.toJSON(null, false) as tf.io.ModelArtifacts['modelTopology'],
  };
}

/**
 * Plans a packed copy of `model` (and its optimizer state when `includeOptimizer`); see
 * `PackedStatePlan`. `layouts`: the topology and weight specs kept from an earlier plan of the
 * same model (one cache per fit).
 */
export async function planPackedState(model: tf.LayersModel, includeOptimizer: boolean, layouts?: ModelLayoutCache): Promise<PackedStatePlan> {
  const { weightSpecs, modelTopology } = layouts ? layouts.of(model) : modelLayout(model);
  const trainingConfig = trainingConfigOf(model);
  const metadata = model.getUserDefinedMetadata();
  let optimizer: { weights: Awaited<ReturnType<tf.Optimizer['getWeights']>>; json: string } | null = null;
  if (includeOptimizer) {
    const opt = optimizerToSave(model);
    const weights = await opt.getWeights();
    const specs = weights.map((w) => specOf(w.name, w.tensor));
    optimizer = { weights, json: JSON.stringify({ className: opt.getClassName(), config: opt.getConfig(), weightSpecs: specs }) };
  }
  const modelName = model.name;
  return {
    extra: optimizer?.weights.map((w) => w.tensor) ?? [],
    finish(packed) {
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology,
        weightSpecs,
        weightData: ownBuffer(packed.weights.data),
        ...(metadata !== undefined ? { userDefinedMetadata: metadata } : {}),
        ...(trainingConfig !== undefined ? { trainingConfig } : {}),
      };
      const sha256: Record<string, string> = { [WEIGHTS_BIN]: packed.weights.sha256 };
      if (optimizer) sha256[OPTIMIZER_BIN] = packed.extra.sha256;
      return { artifacts, optimizer: optimizer ? { json: optimizer.json, data: packed.extra.data } : null, modelName, sha256 };
    },
    finishRemote(kept, writer) {
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology,
        weightSpecs,
        ...(metadata !== undefined ? { userDefinedMetadata: metadata } : {}),
        ...(trainingConfig !== undefined ? { trainingConfig } : {}),
      };
      const files: RemoteCheckpointFiles['files'] = { [WEIGHTS_BIN]: kept.weights, ...(optimizer ? { [OPTIMIZER_BIN]: kept.extra } : {}) };
      const remote: RemoteCheckpointFiles = {
        files,
        write: (dir, own, tail) => writer.write(dir, own, tail, optimizer !== null),
        drop: () => writer.drop(),
      };
      return { artifacts, optimizer: optimizer ? { json: optimizer.json } : null, modelName, remote };
    },
    dispose() {
      if (optimizer) disposeOptimizerCopies(optimizer.weights);
    },
  };
}
