import { readFileSync } from 'node:fs';
import { ScreenDataError } from './readScreenData.js';

/** LM screening examples: prompt and training response token ids per example. */
export interface LmScreenData {
  prompts: Int32Array[];
  responses: Int32Array[];
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new ScreenDataError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a JSONL file' : (e as Error).message}`,
    );
  }
}

function ids(where: string, field: string, v: unknown, vocabSize: number): Int32Array {
  if (!Array.isArray(v) || v.length === 0)
    throw new ScreenDataError(`${where}: \`${field}\`: expected a non-empty array of token ids, got ${JSON.stringify(v)?.slice(0, 60) ?? 'nothing'}`);
  const out = new Int32Array(v.length);
  v.forEach((t: unknown, j) => {
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= vocabSize)
      throw new ScreenDataError(`${where}: \`${field}[${j}]\`: expected a token id in [0, ${vocabSize - 1}], got \`${JSON.stringify(t)}\``);
    out[j] = t;
  });
  return out;
}

/** Parses JSONL (one JSON object per line) or a JSON array of objects; `where(i)` names an object's place. */
function objects(file: string): { value: Record<string, unknown>; where: string }[] {
  const raw = readText(file);
  const trimmed = raw.trimStart();
  if (trimmed.startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new ScreenDataError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    return (v as unknown[]).map((o, i) => {
      if (typeof o !== 'object' || o === null || Array.isArray(o))
        throw new ScreenDataError(`${file}: [${i}]: expected an object with \`prompt\` and \`response\``);
      return { value: o as Record<string, unknown>, where: `${file}: [${i}]` };
    });
  }
  const out: { value: Record<string, unknown>; where: string }[] = [];
  raw.split('\n').forEach((line, k) => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new ScreenDataError(`${file}:${k + 1}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new ScreenDataError(`${file}:${k + 1}: expected an object like {"prompt": [ids], "response": [ids]}`);
    out.push({ value: v as Record<string, unknown>, where: `${file}:${k + 1}` });
  });
  return out;
}

/**
 * LM screening data: JSONL, one example per line, `{"prompt": [token ids], "response": [token ids]}`
 * (the response as the fine-tune teaches it, `eos` included if training includes it), or a JSON
 * array of such objects. Errors name file:line and field.
 */
export function readLmScreenData(file: string, vocabSize: number): LmScreenData {
  const rows = objects(file);
  if (rows.length === 0) throw new ScreenDataError(`${file}: no examples; expected one {"prompt": [ids], "response": [ids]} per line`);
  const prompts: Int32Array[] = [];
  const responses: Int32Array[] = [];
  for (const { value, where } of rows) {
    prompts.push(ids(where, 'prompt', value.prompt, vocabSize));
    responses.push(ids(where, 'response', value.response, vocabSize));
  }
  return { prompts, responses };
}

/**
 * LM contrast prompts: `{"aligned": [[ids], ...], "misaligned": [[ids], ...]}`. The direction reads
 * the last prompt position (the guard's `last` pooling), so all prompts must have the same length.
 */
export function readLmContrastFile(file: string, vocabSize: number): { aligned: Int32Array[]; misaligned: Int32Array[] } {
  let v: unknown;
  try {
    v = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof ScreenDataError) throw e;
    throw new ScreenDataError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ScreenDataError(`${file}: expected {"aligned": [[ids], ...], "misaligned": [[ids], ...]}`);
  const o = v as Record<string, unknown>;
  const side = (key: 'aligned' | 'misaligned') => {
    const rows = o[key];
    if (!Array.isArray(rows) || rows.length === 0) throw new ScreenDataError(`${file}: \`${key}\`: expected a non-empty array of prompts (token id arrays)`);
    return rows.map((r, i) => ids(file, `${key}[${i}]`, r, vocabSize));
  };
  const aligned = side('aligned');
  const misaligned = side('misaligned');
  const len = aligned[0]!.length;
  for (const [key, rows] of [
    ['aligned', aligned],
    ['misaligned', misaligned],
  ] as const) {
    const i = rows.findIndex((r) => r.length !== len);
    if (i >= 0)
      throw new ScreenDataError(
        `${file}: \`${key}[${i}]\`: expected ${len} tokens like \`aligned[0]\`, got ${rows[i]!.length}; the direction reads the last prompt position, so left-pad prompts to one length`,
      );
  }
  return { aligned, misaligned };
}

/**
 * LM preference pairs for the gradient screen: JSONL (or a JSON array), one pair per line,
 * `{"prompt": [ids], "chosen": [ids], "rejected": [ids]}`: the aligned and the misaligned response
 * to the same prompt (`eos` included as the model writes it). Errors name file:line and field.
 */
export function readLmPreferenceFile(file: string, vocabSize: number): { prompts: Int32Array[]; chosen: Int32Array[]; rejected: Int32Array[] } {
  const rows = objects(file);
  if (rows.length === 0) throw new ScreenDataError(`${file}: no pairs; expected one {"prompt": [ids], "chosen": [ids], "rejected": [ids]} per line`);
  const prompts: Int32Array[] = [];
  const chosen: Int32Array[] = [];
  const rejected: Int32Array[] = [];
  for (const { value, where } of rows) {
    prompts.push(ids(where, 'prompt', value.prompt, vocabSize));
    chosen.push(ids(where, 'chosen', value.chosen, vocabSize));
    rejected.push(ids(where, 'rejected', value.rejected, vocabSize));
  }
  return { prompts, chosen, rejected };
}
