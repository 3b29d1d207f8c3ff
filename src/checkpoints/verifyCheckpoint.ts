import type * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { MODEL_JSON, WEIGHTS_BIN, modelArtifactsOf, type ModelJson } from '../io/fileSystemHandler.js';
import { CheckpointError } from './CheckpointError.js';
import type { CheckpointManifest } from './CheckpointManifest.js';
import { assertValidId, checkpointsDir, MANIFEST_FILE, OPTIMIZER_BIN, OPTIMIZER_JSON } from './checkpointIndex.js';

/** Saved optimizer state: `optimizer.json` (class, config, weight specs) + `optimizer.bin`. */
export interface OptimizerState {
  className: string;
  config: Record<string, unknown>;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** A checkpoint whose every file matched its recorded size and sha256, parsed and ready to use. */
export interface VerifiedCheckpoint {
  manifest: CheckpointManifest;
  dir: string;
  /** Model topology + weights exactly as in `model.json` / `weights.bin`. */
  artifacts: tf.io.ModelArtifacts;
  optimizer: OptimizerState | null;
  /** The verified bytes of every file (including `manifest.json`), by name. */
  bytes: Map<string, Buffer>;
}

/** Hex sha256 of some bytes. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Byte length the specs describe, or null when a dtype has no fixed size (strings). */
function specBytes(specs: readonly tf.io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const s of specs) {
    const size = DTYPE_BYTES[s.quantization?.dtype ?? s.dtype];
    if (size === undefined) return null;
    total += size * s.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function parseJson(bytes: Buffer, file: string, id: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new CheckpointError(
      'CORRUPT_MODEL',
      `${file} is not valid JSON although its sha256 matches (${(e as Error).message}); the checkpoint was written damaged`,
      { file, id },
    );
  }
}

/**
 * Reads every file of a checkpoint and checks it against the index's manifest (size, sha256),
 * checks that `manifest.json` agrees with the index and that `weights.bin` has the size the weight
 * specs describe. Throws a CheckpointError naming the first bad file. Needs no tfjs backend.
 */
export function verifyCheckpoint(runDir: string, manifest: CheckpointManifest): VerifiedCheckpoint {
  assertValidId(manifest.id);
  const id = manifest.id;
  const dir = join(checkpointsDir(runDir), id);
  const bytes = new Map<string, Buffer>();
  const read = (name: string): Buffer => {
    const file = join(dir, name);
    try {
      return readFileSync(file);
    } catch (e) {
      throw new CheckpointError(
        'MISSING_FILE',
        `Checkpoint ${id} is damaged: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        { file, id },
      );
    }
  };
  for (const name of [MODEL_JSON, WEIGHTS_BIN]) {
    if (!manifest.files[name]) {
      throw new CheckpointError('CORRUPT_MANIFEST', `Checkpoint ${id}: the index lists no \`${name}\` for it, so it cannot be verified`, {
        file: join(dir, name),
        id,
      });
    }
  }
  for (const [name, info] of Object.entries(manifest.files)) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      throw new CheckpointError('CORRUPT_MANIFEST', `Checkpoint ${id}: file name \`${name}\` in the index is not a plain file name`, { id });
    }
    const file = join(dir, name);
    const data = read(name);
    if (data.byteLength !== info.bytes) {
      throw new CheckpointError('SIZE_MISMATCH', `Checkpoint ${id} is damaged: ${file} has ${data.byteLength} bytes, the manifest recorded ${info.bytes}`, {
        file,
        id,
      });
    }
    if (sha256(data) !== info.sha256) {
      throw new CheckpointError('HASH_MISMATCH', `Checkpoint ${id} is damaged: sha256 of ${file} does not match the manifest`, { file, id });
    }
    bytes.set(name, data);
  }
  const manifestFile = join(dir, MANIFEST_FILE);
  const manifestBytes = read(MANIFEST_FILE);
  let onDisk: unknown;
  try {
    onDisk = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    onDisk = undefined;
  }
  if (!isDeepStrictEqual(onDisk, JSON.parse(JSON.stringify(manifest)))) {
    throw new CheckpointError('CORRUPT_MANIFEST', `Checkpoint ${id} is damaged: ${manifestFile} does not match its entry in index.json`, {
      file: manifestFile,
      id,
    });
  }
  bytes.set(MANIFEST_FILE, manifestBytes);

  const modelFile = join(dir, MODEL_JSON);
  const json = parseJson(bytes.get(MODEL_JSON)!, modelFile, id) as ModelJson;
  const groups = json?.weightsManifest;
  const paths = Array.isArray(groups) ? groups.flatMap((g) => g.paths ?? []) : [];
  if (!json?.modelTopology || !Array.isArray(groups) || paths.length !== 1 || paths[0]!.replace(/^\.\//, '') !== WEIGHTS_BIN) {
    throw new CheckpointError('CORRUPT_MODEL', `${modelFile} is not a checkpoint model (expected "modelTopology" and one weights file \`./${WEIGHTS_BIN}\`)`, {
      file: modelFile,
      id,
    });
  }
  const weightSpecs = groups.flatMap((g) => g.weights);
  const weights = bytes.get(WEIGHTS_BIN)!;
  const expected = specBytes(weightSpecs);
  if (expected !== null && expected !== weights.byteLength) {
    throw new CheckpointError('CORRUPT_MODEL', `${join(dir, WEIGHTS_BIN)} has ${weights.byteLength} bytes but ${modelFile} describes ${expected}`, {
      file: join(dir, WEIGHTS_BIN),
      id,
    });
  }
  const artifacts = modelArtifactsOf(json, weightSpecs, toArrayBuffer(weights));

  let optimizer: OptimizerState | null = null;
  if (manifest.hasOptimizer) {
    const optFile = join(dir, OPTIMIZER_JSON);
    const optJson = bytes.get(OPTIMIZER_JSON);
    const optBin = bytes.get(OPTIMIZER_BIN);
    if (!optJson || !optBin) {
      throw new CheckpointError('CORRUPT_MANIFEST', `Checkpoint ${id} says it has optimizer state but the index lists no ${OPTIMIZER_JSON}/${OPTIMIZER_BIN}`, {
        file: optFile,
        id,
      });
    }
    const parsed = parseJson(optJson, optFile, id) as Partial<OptimizerState> | null;
    if (!parsed || typeof parsed.className !== 'string' || !Array.isArray(parsed.weightSpecs)) {
      throw new CheckpointError('CORRUPT_MODEL', `${optFile} is not optimizer state (expected "className" and "weightSpecs")`, { file: optFile, id });
    }
    const optExpected = specBytes(parsed.weightSpecs);
    if (optExpected !== null && optExpected !== optBin.byteLength) {
      throw new CheckpointError('CORRUPT_MODEL', `${join(dir, OPTIMIZER_BIN)} has ${optBin.byteLength} bytes but ${optFile} describes ${optExpected}`, {
        file: join(dir, OPTIMIZER_BIN),
        id,
      });
    }
    optimizer = { className: parsed.className, config: parsed.config ?? {}, weightSpecs: parsed.weightSpecs, weightData: toArrayBuffer(optBin) };
  }
  return { manifest, dir, artifacts, optimizer, bytes };
}
