/** Prompt + response rows as one right-padded batch with a mask on the response tokens. */
export interface ResponseSequences {
  n: number;
  /** Positions per row (the longest prompt + response, or the model's fixed length). */
  length: number;
  /** Token ids `[n, length]`, row-major, padded with `pad`. */
  ids: Float32Array;
  /** 1 on response tokens, 0 on prompt tokens and padding, `[n, length]`. */
  mask: Float32Array;
}

/**
 * Builds the teacher-forcing batch of prompt + response pairs: row i holds prompt i, then response
 * i (from position `prompts[i].length` on), then `pad`. The mask selects the response tokens, so a
 * mask-aware mean over positions is "activations pooled over the response" (Chen et al. 2025 average
 * the response tokens). Every response needs at least one token and every row must fit `maxLength`.
 */
export function responseSequences(
  prompts: readonly ArrayLike<number>[],
  responses: readonly ArrayLike<number>[],
  options: { pad: number; maxLength: number; fixedLength?: number | null; what?: string },
): ResponseSequences {
  const what = options.what ?? 'example';
  if (prompts.length !== responses.length) throw new Error(`screen: ${prompts.length} prompts but ${responses.length} responses`);
  const n = prompts.length;
  let longest = 1;
  for (let i = 0; i < n; i++) {
    const total = prompts[i]!.length + responses[i]!.length;
    if (prompts[i]!.length < 1) throw new Error(`screen: ${what} ${i} has an empty prompt`);
    if (responses[i]!.length < 1) throw new Error(`screen: ${what} ${i} has an empty response`);
    if (total > options.maxLength)
      throw new Error(
        `screen: ${what} ${i} has ${total} tokens (prompt ${prompts[i]!.length} + response ${responses[i]!.length}), more than the context ${options.maxLength}`,
      );
    longest = Math.max(longest, total);
  }
  const length = options.fixedLength ?? longest;
  const ids = new Float32Array(n * length).fill(options.pad);
  const mask = new Float32Array(n * length);
  for (let i = 0; i < n; i++) {
    const p = prompts[i]!;
    const r = responses[i]!;
    for (let t = 0; t < p.length; t++) ids[i * length + t] = p[t]!;
    for (let t = 0; t < r.length; t++) {
      ids[i * length + p.length + t] = r[t]!;
      mask[i * length + p.length + t] = 1;
    }
  }
  return { n, length, ids, mask };
}
