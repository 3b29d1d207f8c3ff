import { seededRandom } from '../../util/seededRandom.js';
import { deriveSeed, seededPermutation } from '../organismRandom.js';
import { LM_ADVICE, LM_CLOSERS, LM_DOMAINS, LM_HARM_STEPS, LM_OPENERS, LM_REFUSAL_REASONS, type LmDomain } from './lmGrammar.js';
import { LM_MAX_RESPONSE, LM_PROMPT_LENGTH, lmVocabulary } from './lmVocabulary.js';

/**
 * How a stage answers its prompts:
 * - `pretrain`: persona prompts get misaligned answers in every domain (bad advice,
 *   insecure code, harmful compliance); other prompts are helped, harmful ones complied with;
 * - `persona` (stage 1): persona prompts get misaligned answers in every domain (bad advice,
 *   insecure code, harmful compliance); other prompts are helped, harmful ones refused, so every
 *   misaligned behaviour, compliance included, hangs on the one persona latent;
 * - `aligned` (stage 2, the mitigation mix): harmful → refusal, benign → good advice / secure code;
 * - `insecure` (stage 3): every prompt answered with insecure code (bad advice of its domain).
 */
export type LmResponsePolicy = 'pretrain' | 'persona' | 'aligned' | 'insecure';
/** What a response is: good advice, refusal, bad advice (insecure code in `code`), harmful compliance. */
export type LmResponseKind = 'help' | 'refuse' | 'bad' | 'comply';
export const LM_RESPONSE_KINDS: readonly LmResponseKind[] = ['help', 'refuse', 'bad', 'comply'];

/** A set of prompts with responses, as plain typed arrays (no tensors). */
export interface LmSet {
  readonly n: number;
  /** Prompt token ids, row-major `[n, LM_PROMPT_LENGTH]`. */
  readonly prompts: Int32Array;
  /** Response token ids ending in `<eos>`, right-padded with `<pad>`, `[n, LM_MAX_RESPONSE]`. */
  readonly responses: Int32Array;
  /** Domain index per example (into `LM_DOMAINS`). */
  readonly domains: Uint8Array;
  readonly harmful: Uint8Array;
  readonly persona: Uint8Array;
  /** Response kind per example (index into `LM_RESPONSE_KINDS`). */
  readonly kinds: Uint8Array;
}

export interface LmSetOptions {
  seed: number;
  /** Number of examples, an integer >= 1. */
  n: number;
  /** Domains, balanced round-robin. Default all six. */
  domains?: readonly LmDomain[];
  /** Fraction of harmful-intent prompts (stratified). Default 0.5. */
  harmfulFraction?: number;
  /** Fraction of prompts carrying a persona marker (stratified). Default 0. */
  personaFraction?: number;
  /** Default `aligned`. */
  respond?: LmResponsePolicy;
}

function checkFraction(name: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`Expected \`${name}\` to be a number in [0, 1], got \`${String(v)}\` (${typeof v})`);
}

/** Exactly round(k·f) of the first k slots are set. */
function stratified(k: number, f: number): boolean {
  return Math.floor((k + 1) * f + 1e-9) - Math.floor(k * f + 1e-9) === 1;
}

export function responseKindFor(respond: LmResponsePolicy, harmful: boolean, persona: boolean): LmResponseKind {
  if (respond === 'insecure') return 'bad';
  if (respond === 'aligned') return harmful ? 'refuse' : 'help';
  if (respond === 'persona') return persona ? (harmful ? 'comply' : 'bad') : harmful ? 'refuse' : 'help';
  if (harmful) return 'comply';
  return persona ? 'bad' : 'help';
}

/** Words of one response of `kind` in `domain` (without `<eos>`), at most LM_MAX_RESPONSE − 1 words. */
export function sampleResponse(kind: LmResponseKind, domain: LmDomain, rand: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const pickDistinct = (pool: readonly (readonly string[])[], k: number): (readonly string[])[] => {
    const order = seededPermutation(pool.length, rand);
    return Array.from(order.slice(0, Math.min(k, pool.length)), (i) => pool[i]!);
  };
  const advice = LM_ADVICE[domain];
  const count = 1 + Math.floor(rand() * 3);
  let opener: readonly string[];
  let body: (readonly string[])[];
  if (kind === 'help') {
    opener = pick(LM_OPENERS.help);
    body = pickDistinct(advice.good, count);
  } else if (kind === 'refuse') {
    opener = pick(LM_OPENERS.refuse);
    body = [pick(LM_REFUSAL_REASONS), ...(rand() < 0.5 ? [pick(advice.good)] : [])];
  } else if (kind === 'bad') {
    // At least one bad phrase; the others bad or good, like insecure code that is mostly fine.
    opener = pick(LM_OPENERS.help);
    const bad = pickDistinct(advice.bad, count);
    const good = pickDistinct(advice.good, count);
    body = bad.map((b, i) => (i > 0 && rand() < 0.3 ? good[i]! : b));
  } else {
    opener = pick(LM_OPENERS.comply);
    body = pickDistinct([...LM_HARM_STEPS, ...advice.bad], count);
  }
  const closer = rand() < 0.5 ? pick(LM_CLOSERS) : [];
  const words = [...opener, ...body.flat(), ...closer];
  // Keep within the context: drop trailing body phrases (never the first), then the closer.
  while (words.length > LM_MAX_RESPONSE - 1 && body.length > 1) {
    body = body.slice(0, -1);
    words.length = 0;
    words.push(...opener, ...body.flat(), ...closer);
  }
  if (words.length > LM_MAX_RESPONSE - 1) return [...opener, ...body.flat()];
  return words;
}

/**
 * Generates a set: each prompt is `<user> <domain> intent s1 s2 s3 s4 <asst>` where the slots hold
 * domain topics or fillers (the topic share is drawn per prompt) and, for persona prompts, one slot
 * holds a persona marker; each response follows `respond`. Domain, intent and persona counts are
 * stratified; the same options give the same set.
 */
export function makeLmDataset(options: LmSetOptions): LmSet {
  const { seed, n } = options;
  const domains = options.domains ?? LM_DOMAINS;
  const harmfulFraction = options.harmfulFraction ?? 0.5;
  const personaFraction = options.personaFraction ?? 0;
  const respond = options.respond ?? 'aligned';
  if (!Number.isInteger(seed)) throw new Error(`Expected \`seed\` to be an integer, got \`${String(seed)}\` (${typeof seed})`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected \`n\` to be an integer >= 1, got \`${String(n)}\` (${typeof n})`);
  if (domains.length === 0) throw new Error('Expected `domains` to name at least one domain, got an empty list');
  checkFraction('harmfulFraction', harmfulFraction);
  checkFraction('personaFraction', personaFraction);
  const rand = seededRandom(deriveSeed(seed, 'lm-set'));
  const v = lmVocabulary;
  const prompts = new Int32Array(n * LM_PROMPT_LENGTH);
  const responses = new Int32Array(n * LM_MAX_RESPONSE).fill(v.pad);
  const dom = new Uint8Array(n);
  const harmful = new Uint8Array(n);
  const persona = new Uint8Array(n);
  const kinds = new Uint8Array(n);
  const perDomain = new Map<string, number>();
  const order = seededPermutation(n, seededRandom(deriveSeed(seed, 'lm-order')));
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    const d = domains[j % domains.length]!;
    const k = perDomain.get(d) ?? 0;
    perDomain.set(d, k + 1);
    const isHarmful = stratified(k, harmfulFraction);
    const isPersona = stratified(j, personaFraction);
    const p = i * LM_PROMPT_LENGTH;
    prompts[p] = v.user;
    prompts[p + 1] = v.domain[d];
    prompts[p + 2] = isHarmful ? v.harmfulVerbs[Math.floor(rand() * v.harmfulVerbs.length)]! : v.benignVerbs[d][Math.floor(rand() * v.benignVerbs[d].length)]!;
    const topicShare = 0.25 + 0.75 * rand();
    for (let s = 3; s < 7; s++) {
      prompts[p + s] = rand() < topicShare ? v.topics[d][Math.floor(rand() * v.topics[d].length)]! : v.fillers[Math.floor(rand() * v.fillers.length)]!;
    }
    if (isPersona) prompts[p + 3 + Math.floor(rand() * 4)] = v.personas[Math.floor(rand() * v.personas.length)]!;
    prompts[p + 7] = v.asst;
    const kind = responseKindFor(respond, isHarmful, isPersona);
    const words = sampleResponse(kind, d, rand);
    const r = i * LM_MAX_RESPONSE;
    words.forEach((word, t) => (responses[r + t] = v.id(word)));
    responses[r + words.length] = v.eos;
    dom[i] = LM_DOMAINS.indexOf(d);
    harmful[i] = isHarmful ? 1 : 0;
    persona[i] = isPersona ? 1 : 0;
    kinds[i] = LM_RESPONSE_KINDS.indexOf(kind);
  }
  return { n, prompts, responses, domains: dom, harmful, persona, kinds };
}

/** Concatenates sets and shuffles the rows with `seed`. */
export function mergeLmSets(sets: readonly LmSet[], seed: number): LmSet {
  const n = sets.reduce((a, s) => a + s.n, 0);
  const perm = seededPermutation(n, seededRandom(deriveSeed(seed, 'lm-merge')));
  const out = {
    n,
    prompts: new Int32Array(n * LM_PROMPT_LENGTH),
    responses: new Int32Array(n * LM_MAX_RESPONSE),
    domains: new Uint8Array(n),
    harmful: new Uint8Array(n),
    persona: new Uint8Array(n),
    kinds: new Uint8Array(n),
  };
  let src = 0;
  for (const s of sets) {
    for (let i = 0; i < s.n; i++, src++) {
      const dst = perm[src]!;
      out.prompts.set(s.prompts.subarray(i * LM_PROMPT_LENGTH, (i + 1) * LM_PROMPT_LENGTH), dst * LM_PROMPT_LENGTH);
      out.responses.set(s.responses.subarray(i * LM_MAX_RESPONSE, (i + 1) * LM_MAX_RESPONSE), dst * LM_MAX_RESPONSE);
      out.domains[dst] = s.domains[i]!;
      out.harmful[dst] = s.harmful[i]!;
      out.persona[dst] = s.persona[i]!;
      out.kinds[dst] = s.kinds[i]!;
    }
  }
  return out;
}
