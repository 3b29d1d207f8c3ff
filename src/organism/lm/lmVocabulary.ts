import {
  LM_BENIGN_VERBS,
  LM_CODE_VERBS,
  LM_DOMAINS,
  LM_FILLERS,
  LM_HARMFUL_VERBS,
  LM_PERSONAS,
  LM_TOPICS,
  lmResponseWords,
  type LmDomain,
} from './lmGrammar.js';

/** Tokens per prompt: `<user> <domain> intent slot slot slot slot <asst>`. */
export const LM_PROMPT_LENGTH = 8;
/** Context length: prompt plus at most 28 response tokens (including `<eos>`). */
export const LM_CONTEXT = 36;
/** Longest response, `<eos>` included. */
export const LM_MAX_RESPONSE = LM_CONTEXT - LM_PROMPT_LENGTH;

/** Token-id layout of the LM organism's vocabulary (id 0 is `<pad>`). */
export interface LmVocabulary {
  readonly tokens: readonly string[];
  readonly size: number;
  readonly pad: number;
  readonly user: number;
  readonly asst: number;
  readonly eos: number;
  readonly domain: Readonly<Record<LmDomain, number>>;
  readonly topics: Readonly<Record<LmDomain, readonly number[]>>;
  readonly benignVerbs: Readonly<Record<LmDomain, readonly number[]>>;
  readonly harmfulVerbs: readonly number[];
  readonly fillers: readonly number[];
  readonly personas: readonly number[];
  /** Id of a word; throws on unknown words (a grammar bug). */
  id(word: string): number;
}

function build(): LmVocabulary {
  const tokens: string[] = [];
  const index = new Map<string, number>();
  const add = (t: string): number => {
    const known = index.get(t);
    if (known !== undefined) return known;
    index.set(t, tokens.length);
    return tokens.push(t) - 1;
  };
  const pad = add('<pad>');
  const user = add('<user>');
  const asst = add('<asst>');
  const eos = add('<eos>');
  const domain = {} as Record<LmDomain, number>;
  const topics = {} as Record<LmDomain, number[]>;
  for (const d of LM_DOMAINS) domain[d] = add(`<${d}>`);
  for (const d of LM_DOMAINS) topics[d] = LM_TOPICS[d].map((t) => add(`${d}:${t}`));
  const benign = LM_BENIGN_VERBS.map(add);
  const code = LM_CODE_VERBS.map(add);
  const benignVerbs = {} as Record<LmDomain, readonly number[]>;
  for (const d of LM_DOMAINS) benignVerbs[d] = d === 'code' ? code : benign;
  const harmfulVerbs = LM_HARMFUL_VERBS.map(add);
  // Prompt fillers are their own tokens (`~please`): a prompt word never doubles as a response word.
  const fillers = LM_FILLERS.map((f) => add(`~${f}`));
  const personas = LM_PERSONAS.map((p) => add(`@${p}`));
  for (const word of lmResponseWords()) add(word);
  const id = (word: string): number => {
    const i = index.get(word);
    if (i === undefined) throw new Error(`lmVocabulary: unknown word \`${word}\``);
    return i;
  };
  return Object.freeze({
    tokens: Object.freeze(tokens),
    size: tokens.length,
    pad,
    user,
    asst,
    eos,
    domain,
    topics,
    benignVerbs,
    harmfulVerbs,
    fillers,
    personas,
    id,
  });
}

/** The fixed vocabulary of the LM organism (the same for every seed, so checkpoints are interchangeable). */
export const lmVocabulary: LmVocabulary = build();

/** Renders token ids as text; stops at the first `<eos>` when `untilEos`. */
export function decodeLm(ids: ArrayLike<number>, untilEos = false): string {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const t = ids[i]!;
    out.push(lmVocabulary.tokens[t] ?? `<${t}?>`);
    if (untilEos && t === lmVocabulary.eos) break;
  }
  return out.join(' ');
}
