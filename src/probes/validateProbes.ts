import type * as tf from '@tensorflow/tfjs';
import { probeTensors } from './probeTensors.js';
import type { EmGuardProbes, ProbeInputs } from './probeTypes.js';

function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

function isTensorLike(x: unknown): x is tf.Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'dtype' in x && typeof (x as tf.Tensor).dataSync === 'function';
}

/**
 * Checks one probe set against the model's inputs and returns its row count. Errors name the
 * probe set, the input, both shapes, and what to do.
 */
export function validateProbeInputs(name: string, inputs: ProbeInputs, model: tf.LayersModel): number {
  const list = probeTensors(inputs);
  const modelInputs = model.inputs;
  if (list.length === 0) throw new Error(`probes.${name}: expected a Tensor or an array of Tensors, got an empty array`);
  list.forEach((t, i) => {
    if (!isTensorLike(t)) throw new Error(`probes.${name}${Array.isArray(inputs) ? `[${i}]` : ''}: expected a tf.Tensor, got ${t === null ? 'null' : typeof t}`);
    if (t.isDisposed) throw new Error(`probes.${name}${Array.isArray(inputs) ? `[${i}]` : ''}: the Tensor was already disposed; keep probe tensors alive until fit() returns`);
  });
  if (list.length !== modelInputs.length) {
    throw new Error(`probes.${name}: the model has ${modelInputs.length} input(s) (${modelInputs.map((s) => s.name).join(', ')}), got ${list.length} tensor(s); pass ${modelInputs.length === 1 ? 'one Tensor' : `an array of ${modelInputs.length} Tensors in input order`}`);
  }
  let rows: number | undefined;
  list.forEach((t, i) => {
    const want = modelInputs[i]!.shape;
    const got = t.shape;
    const where = `probes.${name}${list.length > 1 ? `[${i}]` : ''}`;
    const ok = got.length === want.length && want.every((d, j) => j === 0 || d === null || d === got[j]);
    if (!ok) {
      throw new Error(`${where}: shape ${shapeText(got)} does not fit model input \`${modelInputs[i]!.name}\` of shape ${shapeText(want)} (first axis = probes)`);
    }
    if (got[0] === 0) throw new Error(`${where}: the probe set is empty (shape ${shapeText(got)}); give at least one probe row`);
    if (rows !== undefined && got[0] !== rows) throw new Error(`probes.${name}: inputs disagree on the number of probes (${rows} vs ${got[0]})`);
    rows = got[0];
  });
  return rows!;
}

/** Validates every probe set; returns the row count of each. */
export function validateProbes(probes: EmGuardProbes, model: tf.LayersModel): Record<string, number> {
  if (!probes || typeof probes !== 'object') throw new Error('emGuard: `probes` is required: { train, eval, alignment?, contrast? }');
  const counts: Record<string, number> = {};
  counts.train = validateProbeInputs('train', probes.train, model);
  counts.eval = validateProbeInputs('eval', probes.eval, model);
  if (probes.alignment) {
    counts.alignment = validateProbeInputs('alignment.inputs', probes.alignment.inputs, model);
    const { expected, scorer } = probes.alignment;
    if (expected === undefined && scorer === undefined) {
      throw new Error('probes.alignment: give `expected` (class indices or one-hot rows) or a `scorer` function');
    }
    if (expected !== undefined) {
      const n = Array.isArray(expected) ? expected.length : expected.shape[0];
      if (n !== counts.alignment) throw new Error(`probes.alignment.expected: has ${n} rows, probes.alignment.inputs has ${counts.alignment}`);
    }
  }
  if (probes.contrast) {
    counts['contrast.aligned'] = validateProbeInputs('contrast.aligned', probes.contrast.aligned, model);
    counts['contrast.misaligned'] = validateProbeInputs('contrast.misaligned', probes.contrast.misaligned, model);
  }
  return counts;
}
