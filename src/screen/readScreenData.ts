import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import type { OrganismSet } from '../organism/makeOrganismDataset.js';
import { organismInputs } from '../organism/organismTensors.js';
import { PROMPT_LENGTH, decodePrompt, organismVocabulary } from '../organism/organismVocabulary.js';

/** A screening data file, parsed: inputs (caller disposes), labels and decoded text when known. */
export interface ScreenData {
  inputs: tf.Tensor;
  labels: number[];
  text: string[] | null;
}

/** Bad content in a screening data file: the CLI prints it and exits 2. */
export class ScreenDataError extends Error {
  override name = 'ScreenDataError';
}

function fail(file: string, field: string, expected: string, got: unknown): never {
  const shown = got === undefined ? 'nothing' : `\`${JSON.stringify(got)?.slice(0, 60)}\``;
  throw new ScreenDataError(`${file}: \`${field}\`: expected ${expected}, got ${shown}`);
}

function shapeOf(file: string, field: string, v: unknown): number[] {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(file, field, 'finite numbers', v);
    return [];
  }
  if (!Array.isArray(v) || v.length === 0) fail(file, field, 'a non-empty array of numbers', v);
  const first = shapeOf(file, `${field}[0]`, v[0]);
  v.forEach((x, i) => {
    const s = shapeOf(file, `${field}[${i}]`, x);
    if (s.join() !== first.join()) fail(file, `${field}[${i}]`, `shape [${first.join(', ')}] like ${field}[0]`, x);
  });
  return [v.length, ...first];
}

/** Organism token rows → a set (labels filled with `labels` or 0). */
function tokenSet(file: string, field: string, tokens: unknown, labels: number[] | null): OrganismSet {
  if (!Array.isArray(tokens) || tokens.length === 0) fail(file, field, `a non-empty array of ${PROMPT_LENGTH}-token rows`, tokens);
  const n = tokens.length;
  const flat = new Int32Array(n * PROMPT_LENGTH);
  tokens.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== PROMPT_LENGTH) fail(file, `${field}[${i}]`, `${PROMPT_LENGTH} token ids`, row);
    row.forEach((t: unknown, j) => {
      if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= organismVocabulary.size)
        fail(file, `${field}[${i}][${j}]`, `a token id in [0, ${organismVocabulary.size - 1}]`, t);
      flat[i * PROMPT_LENGTH + j] = t;
    });
  });
  const z = new Uint8Array(n);
  return { n, tokens: flat, labels: labels ? Uint8Array.from(labels) : z, domains: z, harmful: z, persona: z };
}

/** Reads `inputs` or organism `tokens` of one object into a tensor (and text for tokens). */
function readInputs(
  file: string,
  obj: Record<string, unknown>,
  prefix: string,
  labels: number[] | null,
): { inputs: tf.Tensor; text: string[] | null; n: number } {
  if (obj.vocabulary !== undefined && obj.vocabulary !== 'organism')
    fail(file, `${prefix}vocabulary`, '"organism" (the only vocabulary em-guard knows) or no key', obj.vocabulary);
  if (obj.tokens !== undefined) {
    if (obj.vocabulary !== 'organism') fail(file, `${prefix}vocabulary`, '"organism" next to `tokens`', obj.vocabulary);
    const set = tokenSet(file, `${prefix}tokens`, obj.tokens, labels);
    const text = Array.from({ length: set.n }, (_, i) => decodePrompt(set.tokens.subarray(i * PROMPT_LENGTH, (i + 1) * PROMPT_LENGTH)));
    return { inputs: organismInputs(set), text, n: set.n };
  }
  if (obj.inputs === undefined) fail(file, `${prefix}inputs`, 'an array of input rows (or `tokens` with `"vocabulary": "organism"`)', undefined);
  const shape = shapeOf(file, `${prefix}inputs`, obj.inputs);
  if (shape.length < 2) fail(file, `${prefix}inputs`, 'one array per example', obj.inputs);
  const flat = (obj.inputs as unknown[]).flat(Infinity) as number[];
  let text: string[] | null = null;
  if (obj.text !== undefined) {
    if (!Array.isArray(obj.text) || obj.text.length !== shape[0] || obj.text.some((t) => typeof t !== 'string'))
      fail(file, `${prefix}text`, `${shape[0]} strings (one per example)`, obj.text);
    text = obj.text as string[];
  }
  return { inputs: tf.tensor(flat, shape, 'float32'), text, n: shape[0]! };
}

function parseJsonFile(file: string): Record<string, unknown> {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new ScreenDataError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a JSON file' : (e as Error).message}`,
    );
  }
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new ScreenDataError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ScreenDataError(`${file}: expected a JSON object with \`labels\` and \`inputs\` (or organism \`tokens\`)`);
  return v as Record<string, unknown>;
}

/**
 * A labelled screening set: `{ "inputs": [...rows], "labels": [class, ...], "text"?: [...] }`, or for
 * the organism `{ "vocabulary": "organism", "tokens": [[8 ids], ...], "labels": [...] }` (text decoded).
 */
export function readScreenData(file: string): ScreenData {
  const obj = parseJsonFile(file);
  const labels = obj.labels;
  if (!Array.isArray(labels) || labels.length === 0 || labels.some((l) => typeof l !== 'number' || !Number.isInteger(l) || l < 0))
    fail(file, 'labels', 'a non-empty array of class indices (integers >= 0)', labels);
  const { inputs, text, n } = readInputs(file, obj, '', labels as number[]);
  if (n !== labels.length) {
    inputs.dispose();
    fail(file, 'labels', `${n} labels (one per input row)`, `${labels.length} labels`);
  }
  return { inputs, labels: labels as number[], text };
}

/** Contrast probes: `{ "aligned": {inputs|tokens}, "misaligned": {inputs|tokens}, "vocabulary"?: "organism" }`. Caller disposes. */
export function readContrastFile(file: string): { aligned: tf.Tensor; misaligned: tf.Tensor; dispose(): void } {
  const obj = parseJsonFile(file);
  const half = (key: 'aligned' | 'misaligned') => {
    const v = obj[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(file, key, 'an object with `inputs` (or organism `tokens`)', v);
    return readInputs(file, { vocabulary: obj.vocabulary, ...(v as Record<string, unknown>) }, `${key}.`, null).inputs;
  };
  const aligned = half('aligned');
  let misaligned: tf.Tensor;
  try {
    misaligned = half('misaligned');
  } catch (e) {
    aligned.dispose();
    throw e;
  }
  return { aligned, misaligned, dispose: () => tf.dispose([aligned, misaligned]) };
}
