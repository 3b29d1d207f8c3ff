import type * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AtomicDirWriter } from '../io/writeDirAtomic.js';
import type { Matrix } from '../metrics/matrix.js';
import { baselineProbeSets } from '../probes/probeSets.js';
import { probeTensors } from '../probes/probeTensors.js';
import type { EmGuardProbes, Pooling } from '../probes/probeTypes.js';
import type { LayerActivations } from './pluginTypes.js';

const JSON_FILE = 'baseline.json';
const BIN_FILE = 'baseline.bin';
const FORMAT = 'em-guard-baseline/1';

/** A run's baseline, as `saveBaseline` writes it and the `baseline` argument loads it. */
export interface SavedBaseline {
  /** sha256 of the model's weights when the baseline was captured (see `weightsFingerprint`). */
  weightsSha256: string;
  layers: string[];
  pooling: Pooling;
  /** Probe set (`train`, `eval`, `contrast.aligned`, …) → layer → activations [probes, features]. */
  activations: Map<string, LayerActivations>;
  /** The baseline snapshot's metric values (the reference of `relativeTo: baseline` rules). */
  values: Record<string, number | null>;
  /** Probe set → sha256 of its input tensors (`tensorsFingerprint`). */
  probesSha256: Record<string, string>;
}

interface BaselineJson {
  format: string;
  weightsSha256: string;
  layers: string[];
  pooling: Pooling;
  values: Record<string, number | null>;
  probesSha256: Record<string, string>;
  /** Set → layer → where its float32 data sits in baseline.bin. */
  sets: Record<string, Record<string, { rows: number; cols: number; offset: number }>>;
}

/**
 * sha256 over every weight's values, in `model.weights` order: ties a saved baseline to the exact
 * weights it was captured from (loading it for other weights would make every metric meaningless).
 */
export function weightsFingerprint(model: tf.LayersModel): string {
  return tensorsFingerprint(model.weights.map((w) => w.read()));
}

/** sha256 over tensors' shapes and values, in order (probe inputs, weights). */
export function tensorsFingerprint(tensors: readonly tf.Tensor[]): string {
  const hash = createHash('sha256');
  for (const t of tensors) {
    const values = t.dataSync();
    hash.update(`${t.dtype}[${t.shape.join('x')}]:`);
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex');
}

/**
 * Writes a baseline to `dir` (`baseline.json` + `baseline.bin`) atomically: a crash leaves no
 * directory or the complete one. A baseline already there (an earlier fit in the same run
 * directory) is replaced.
 */
export async function writeSavedBaseline(dir: string, b: SavedBaseline): Promise<void> {
  const sets: BaselineJson['sets'] = {};
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [set, layers] of b.activations) {
    sets[set] = {};
    for (const [layer, m] of layers) {
      sets[set]![layer] = { rows: m.rows, cols: m.cols, offset };
      const data = m.data instanceof Float32Array ? m.data : Float32Array.from(m.data);
      chunks.push(data);
      offset += data.byteLength;
    }
  }
  const bin = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    bin.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at += c.byteLength;
  }
  const json: BaselineJson = {
    format: FORMAT,
    weightsSha256: b.weightsSha256,
    layers: b.layers,
    pooling: b.pooling,
    values: b.values,
    probesSha256: b.probesSha256,
    sets,
  };
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  const writer = new AtomicDirWriter(dir);
  writer.add(BIN_FILE, bin);
  writer.add(JSON_FILE, JSON.stringify(json, null, 1) + '\n');
  await writer.commit();
}

function bad(dir: string, what: string): Error {
  return new Error(
    `emGuard: cannot load the saved baseline in ${dir}: ${what}. Expected a directory written with \`saveBaseline: true\` (<runDir>/baseline, holding ${JSON_FILE} and ${BIN_FILE}); capture a new baseline by omitting \`baseline\``,
  );
}

/** Reads and checks a saved baseline; every problem is an error naming the directory and the fix. */
export function readSavedBaseline(dir: string): SavedBaseline {
  let json: BaselineJson;
  let bin: Buffer;
  try {
    json = JSON.parse(readFileSync(join(dir, JSON_FILE), 'utf8')) as BaselineJson;
    bin = readFileSync(join(dir, BIN_FILE));
  } catch (e) {
    throw bad(dir, (e as Error).message);
  }
  if (json?.format !== FORMAT) throw bad(dir, `${JSON_FILE} has format \`${String(json?.format)}\`, not \`${FORMAT}\``);
  if (typeof json.weightsSha256 !== 'string' || !Array.isArray(json.layers) || typeof json.sets !== 'object' || json.sets === null)
    throw bad(dir, `${JSON_FILE} lacks weightsSha256, layers or sets`);
  const activations = new Map<string, LayerActivations>();
  for (const [set, layers] of Object.entries(json.sets)) {
    const out = new Map<string, Matrix>();
    for (const [layer, e] of Object.entries(layers)) {
      const bytes = e.rows * e.cols * 4;
      if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset % 4 !== 0 || e.offset + bytes > bin.byteLength) {
        throw bad(
          dir,
          `${BIN_FILE} is ${bin.byteLength} bytes, too short for ${set}/${layer} (${e.rows}×${e.cols} at byte ${e.offset}): truncated or from another baseline`,
        );
      }
      // Copy: the Buffer may be a slice of a shared pool, not 4-byte aligned.
      const data = new Float32Array(e.rows * e.cols);
      new Uint8Array(data.buffer).set(bin.subarray(e.offset, e.offset + bytes));
      out.set(layer, { rows: e.rows, cols: e.cols, data });
    }
    activations.set(set, out);
  }
  return {
    weightsSha256: json.weightsSha256,
    layers: json.layers,
    pooling: json.pooling,
    activations,
    values: json.values ?? {},
    probesSha256: json.probesSha256 ?? {},
  };
}

/** What a saved baseline must match: the fit about to start. */
export interface BaselineFit {
  model: tf.LayersModel;
  layers: readonly string[];
  pooling: Pooling;
  probes: EmGuardProbes;
}

/**
 * sha256 of each baseline probe set's inputs and, when the set has one, its token mask
 * (`probes.masks`, which changes `mean` pooling): what ties a saved baseline to these probes. A set
 * without a mask hashes its inputs only, as baselines saved before masks existed did.
 */
export function probeFingerprints(probes: EmGuardProbes): Record<string, string> {
  const out: Record<string, string> = {};
  const masks = (probes.masks ?? {}) as Record<string, tf.Tensor | undefined>;
  for (const [name, inputs] of baselineProbeSets(probes)) {
    const mask = masks[name];
    out[name] = tensorsFingerprint(mask ? [...probeTensors(inputs), mask] : probeTensors(inputs));
  }
  return out;
}

/**
 * The saved baseline in `dir`, checked against this fit: the same weights (the model it was
 * captured from, unmodified), layers, pooling and probe inputs. Any mismatch is an error before the
 * first step: metrics against another model's baseline would be meaningless.
 */
export function loadSavedBaselineFor(dir: string, fit: BaselineFit): SavedBaseline {
  const saved = readSavedBaseline(dir);
  const fail = (what: string) =>
    new Error(
      `emGuard: the saved baseline in ${dir} does not fit this fit: ${what}. Load a baseline saved for this model and these probes, or omit \`baseline\` to capture a new one`,
    );
  if (saved.weightsSha256 !== weightsFingerprint(fit.model))
    throw fail('it was captured from other weights (the model must be the one it was saved from, before any training)');
  if (saved.layers.join('\u0000') !== fit.layers.join('\u0000'))
    throw fail(`it watches layers [${saved.layers.join(', ')}], this fit [${fit.layers.join(', ')}]`);
  if (saved.pooling !== fit.pooling) throw fail(`it pooled with \`${saved.pooling}\`, this fit with \`${fit.pooling}\``);
  for (const [name, sha] of Object.entries(probeFingerprints(fit.probes))) {
    if (!saved.activations.has(name)) throw fail(`it has no \`${name}\` probe set`);
    if (saved.probesSha256[name] !== sha) throw fail(`probes.${name} (or probes.masks.${name}) differ from the ones it was captured with`);
  }
  return saved;
}

/** This fit's baseline as `writeSavedBaseline` stores it. */
export function baselineToSave(fit: BaselineFit, activations: ReadonlyMap<string, LayerActivations>, values: Record<string, number | null>): SavedBaseline {
  return {
    weightsSha256: weightsFingerprint(fit.model),
    layers: [...fit.layers],
    pooling: fit.pooling,
    activations: new Map(activations),
    values: { ...values },
    probesSha256: probeFingerprints(fit.probes),
  };
}

/** Writes a baseline (see `writeSavedBaseline`) and logs where it went, for `checkpoints.track`. */
export async function saveBaselineLogged(dir: string, saved: SavedBaseline, logger: Logger): Promise<void> {
  await writeSavedBaseline(dir, saved);
  logger.info({ event: 'baseline-saved', path: dir }, `em-guard saved the baseline to ${dir} (load it with \`baseline: '${dir}'\`)`);
}
