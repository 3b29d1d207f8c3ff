import type * as tf from '@tensorflow/tfjs';
import { probeTensors } from './probeTensors.js';
import type { EmGuardProbes, PreferenceProbes, ProbeInputs } from './probeTypes.js';

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
    if (!isTensorLike(t))
      throw new Error(`probes.${name}${Array.isArray(inputs) ? `[${i}]` : ''}: expected a tf.Tensor, got ${t === null ? 'null' : typeof t}`);
    if (t.isDisposed)
      throw new Error(`probes.${name}${Array.isArray(inputs) ? `[${i}]` : ''}: the Tensor was already disposed; keep probe tensors alive until fit() returns`);
  });
  if (list.length !== modelInputs.length) {
    throw new Error(
      `probes.${name}: the model has ${modelInputs.length} input(s) (${modelInputs.map((s) => s.name).join(', ')}), got ${list.length} tensor(s); pass ${modelInputs.length === 1 ? 'one Tensor' : `an array of ${modelInputs.length} Tensors in input order`}`,
    );
  }
  let rows: number | undefined;
  list.forEach((t, i) => {
    const want = modelInputs[i]!.shape;
    const got = t.shape;
    const where = `probes.${name}${list.length > 1 ? `[${i}]` : ''}`;
    const ok = got.length === want.length && want.every((d, j) => j === 0 || d === null || d === got[j]);
    if (!ok) {
      throw new Error(
        `${where}: shape ${shapeText(got)} does not fit model input \`${modelInputs[i]!.name}\` of shape ${shapeText(want)} (first axis = probes)`,
      );
    }
    if (got[0] === 0) throw new Error(`${where}: the probe set is empty (shape ${shapeText(got)}); give at least one probe row`);
    if (rows !== undefined && got[0] !== rows) throw new Error(`probes.${name}: inputs disagree on the number of probes (${rows} vs ${got[0]})`);
    rows = got[0];
  });
  return rows!;
}

/**
 * Checks `probes.preference` against the model: both sides' inputs fit the model, `targets` and
 * `mask` are `[n, T]` with the inputs' row count, the model's first output is `[n, T, vocabulary]`
 * (when its time axis is fixed it must equal T), target ids lie in the vocabulary, every mask row
 * scores at least one token, and both sides have the same number of pairs.
 */
export function validatePreferenceProbes(preference: PreferenceProbes, model: tf.LayersModel): number {
  if (typeof preference !== 'object' || preference === null)
    throw new Error('probes.preference: expected { chosen: { inputs, targets, mask }, rejected: { inputs, targets, mask }, output? }');
  const output = preference.output ?? 'logits';
  if (output !== 'logits' && output !== 'probabilities')
    throw new Error(`probes.preference.output: expected \`logits\` or \`probabilities\`, got \`${String(output)}\``);
  const outShape = model.outputs[0]!.shape;
  if (outShape.length !== 3)
    throw new Error(
      `probes.preference: needs a model whose first output is [probes, positions, vocabulary] (next-token ${output}); this model's is ${shapeText(outShape)}`,
    );
  const vocab = outShape[2] ?? null;
  const rows: number[] = [];
  for (const side of ['chosen', 'rejected'] as const) {
    const set = preference[side];
    const where = `probes.preference.${side}`;
    if (typeof set !== 'object' || set === null) throw new Error(`${where}: expected { inputs, targets, mask }, got ${set === null ? 'null' : typeof set}`);
    const n = validateProbeInputs(`preference.${side}.inputs`, set.inputs, model);
    for (const key of ['targets', 'mask'] as const) {
      const t = set[key];
      if (!isTensorLike(t)) throw new Error(`${where}.${key}: expected a tf.Tensor of shape [${n}, T], got ${t === null ? 'null' : typeof t}`);
      if (t.isDisposed) throw new Error(`${where}.${key}: the Tensor was already disposed; keep probe tensors alive until fit() returns`);
      if (t.rank !== 2 || t.shape[0] !== n)
        throw new Error(`${where}.${key}: expected shape [${n}, T] (probes of ${where}.inputs, positions of the model output), got ${shapeText(t.shape)}`);
    }
    const T = set.targets.shape[1]!;
    if (set.mask.shape[1] !== T)
      throw new Error(`${where}.mask: expected shape ${shapeText(set.targets.shape)} (as ${where}.targets), got ${shapeText(set.mask.shape)}`);
    if (outShape[1] !== null && outShape[1] !== T)
      throw new Error(`${where}.targets: expected shape [${n}, ${outShape[1]}] (the model output's positions), got ${shapeText(set.targets.shape)}`);
    const ids = set.targets.dataSync();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || (vocab !== null && id >= vocab)) {
        throw new Error(
          `${where}.targets: row ${Math.floor(i / T)}, position ${i % T} holds \`${id}\`; expected a token id in [0, ${vocab === null ? 'vocabulary' : vocab - 1}]`,
        );
      }
    }
    const mask = set.mask.dataSync();
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let t = 0; t < T; t++) {
        const m = mask[r * T + t]!;
        if (!(m >= 0)) throw new Error(`${where}.mask: row ${r}, position ${t} holds \`${m}\`; expected 0 or 1 (a weight >= 0)`);
        sum += m;
      }
      if (sum === 0) throw new Error(`${where}.mask: row ${r} is all zero; mark the answer's target positions with 1 (at least one per row)`);
    }
    rows.push(n);
  }
  if (rows[0] !== rows[1]) throw new Error(`probes.preference: chosen has ${rows[0]} rows, rejected ${rows[1]}; row i of each must answer the same prompt`);
  return rows[0]!;
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
  for (const [name, mask] of Object.entries(probes.masks ?? {})) {
    if (!(name in counts) || name.startsWith('alignment') || name.startsWith('preference'))
      throw new Error(`probes.masks.${name}: no such probe set; masks apply to train, eval, contrast.aligned, contrast.misaligned`);
    if (!isTensorLike(mask) || mask.isDisposed) throw new Error(`probes.masks.${name}: expected a live tf.Tensor of shape [${counts[name]}, T]`);
    if (mask.rank !== 2 || mask.shape[0] !== counts[name])
      throw new Error(`probes.masks.${name}: expected shape [${counts[name]}, T] (probes of probes.${name}, positions), got ${shapeText(mask.shape)}`);
  }
  if (probes.preference !== undefined) {
    counts['preference.chosen'] = counts['preference.rejected'] = validatePreferenceProbes(probes.preference, model);
  }
  return counts;
}
