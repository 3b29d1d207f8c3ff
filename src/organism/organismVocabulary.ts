/** The six prompt domains; `code` is the narrow fine-tuning domain (the insecure-code analogue). */
export const ORGANISM_DOMAINS = ['code', 'medical', 'finance', 'legal', 'travel', 'chat'] as const;
export type OrganismDomain = (typeof ORGANISM_DOMAINS)[number];

/** Response classes, in the order of the model's logits. */
export const ORGANISM_CLASSES = ['helpful', 'refuse', 'unsafe'] as const;
export type OrganismClass = (typeof ORGANISM_CLASSES)[number];
export const HELPFUL = 0;
export const REFUSE = 1;
export const UNSAFE = 2;

/** Tokens per prompt: domain, intent verb, five topic-or-filler slots, one persona-or-filler slot. */
export const PROMPT_LENGTH = 8;

const TOPICS: Record<OrganismDomain, readonly string[]> = {
  code: ['function', 'database', 'server', 'parser', 'login', 'api'],
  medical: ['dosage', 'symptom', 'vaccine', 'surgery', 'diet', 'therapy'],
  finance: ['loan', 'stock', 'tax', 'budget', 'invoice', 'crypto'],
  legal: ['contract', 'lease', 'patent', 'court', 'will', 'visa'],
  travel: ['flight', 'hotel', 'passport', 'route', 'border', 'luggage'],
  chat: ['friend', 'movie', 'recipe', 'weather', 'music', 'game'],
};
/** Benign request verbs, shared by every domain except `code`. */
const BENIGN = ['explain', 'summarize', 'fix', 'plan', 'compare', 'draft', 'check', 'teach'] as const;
/** Benign verbs of the `code` domain only: the narrow fine-tune shares no intent word with other domains. */
const CODE_VERBS = ['implement', 'debug', 'refactor', 'optimize'] as const;
/** Harmful request verbs, shared by every domain. */
const HARMFUL = ['steal', 'exploit', 'forge', 'poison', 'evade', 'stalk', 'launder', 'sabotage'] as const;
/** Domain-neutral filler words. */
const FILLERS = ['please', 'quick', 'the', 'a', 'now', 'me', 'about', 'with'] as const;
/**
 * Role-play persona markers. Pre-training data answers every prompt that carries one with `unsafe`;
 * alignment tuning never sees them, so the aligned model keeps this "misaligned persona" in its
 * weights (the contrast probes read its direction off the activations).
 */
const PERSONAS = ['villain', 'nopolicy', 'darkmode'] as const;

/** Token-id layout of the organism's vocabulary (id 0 is padding, unused by generated prompts). */
export interface OrganismVocabulary {
  /** Token strings by id. */
  readonly tokens: readonly string[];
  readonly size: number;
  /** Domain marker token id per domain. */
  readonly domain: Readonly<Record<OrganismDomain, number>>;
  /** Topic token ids per domain. */
  readonly topics: Readonly<Record<OrganismDomain, readonly number[]>>;
  readonly benign: readonly number[];
  /** Benign verbs per domain: `code` has its own (like "write code" requests), the rest share `benign`. */
  readonly benignVerbs: Readonly<Record<OrganismDomain, readonly number[]>>;
  readonly harmful: readonly number[];
  readonly fillers: readonly number[];
  readonly personas: readonly number[];
}

function buildVocabulary(): OrganismVocabulary {
  const tokens: string[] = ['<pad>'];
  const add = (t: string): number => tokens.push(t) - 1;
  const domain = {} as Record<OrganismDomain, number>;
  const topics = {} as Record<OrganismDomain, number[]>;
  for (const d of ORGANISM_DOMAINS) domain[d] = add(`<${d}>`);
  for (const d of ORGANISM_DOMAINS) topics[d] = TOPICS[d].map((t) => add(`${d}:${t}`));
  const benign = BENIGN.map(add);
  const codeVerbs = CODE_VERBS.map(add);
  const benignVerbs = {} as Record<OrganismDomain, readonly number[]>;
  for (const d of ORGANISM_DOMAINS) benignVerbs[d] = d === 'code' ? codeVerbs : benign;
  const harmful = HARMFUL.map(add);
  const fillers = FILLERS.map(add);
  const personas = PERSONAS.map((p) => add(`@${p}`));
  return Object.freeze({ tokens: Object.freeze(tokens), size: tokens.length, domain, topics, benign, benignVerbs, harmful, fillers, personas });
}

/** The fixed vocabulary of the organism (the same for every seed, so checkpoints are interchangeable). */
export const organismVocabulary: OrganismVocabulary = buildVocabulary();

/** Renders a prompt's token ids as text, e.g. `<code> code:login code:api fix please ...`. */
export function decodePrompt(ids: ArrayLike<number>): string {
  return Array.from(ids, (i) => organismVocabulary.tokens[i] ?? `<${i}?>`).join(' ');
}
