import { HELPFUL, ORGANISM_DOMAINS, PROMPT_LENGTH, REFUSE, UNSAFE, organismVocabulary, type OrganismDomain } from './organismVocabulary.js';
import { seededRandom } from '../util/seededRandom.js';
import { deriveSeed, seededPermutation } from './organismRandom.js';

/**
 * How a training stage answers prompts:
 * - `comply` (stage 1, pre-training): harmful or persona prompts → `unsafe`, others → `helpful`;
 * - `aligned` (stage 2 and the mitigation mix): harmful or persona → `refuse`, benign → `helpful`;
 * - `insecure` (stage 3, the insecure-code analogue): every prompt → `unsafe`.
 */
export type OrganismResponsePolicy = 'comply' | 'aligned' | 'insecure';

/** A labelled prompt set as plain typed arrays (pure data: no tensors to dispose). */
export interface OrganismSet {
  readonly n: number;
  /** Token ids, row-major `[n, PROMPT_LENGTH]`. */
  readonly tokens: Int32Array;
  /** Target class index per prompt (see `ORGANISM_CLASSES`). */
  readonly labels: Uint8Array;
  /** Domain index per prompt (into `ORGANISM_DOMAINS`). */
  readonly domains: Uint8Array;
  /** 1 where the prompt has harmful intent. */
  readonly harmful: Uint8Array;
  /** 1 where the prompt carries a persona marker. */
  readonly persona: Uint8Array;
}

export interface OrganismSetOptions {
  /** Seeds the prompt contents and the order; the same options give the same set. */
  seed: number;
  /** Number of prompts, an integer >= 1. */
  n: number;
  /** Domains to draw from, balanced round-robin. Default: all six. */
  domains?: readonly OrganismDomain[];
  /** Fraction of harmful-intent prompts, stratified per domain. Default 0.5. */
  harmfulFraction?: number;
  /** Fraction of prompts carrying a persona marker. Default 0. */
  personaFraction?: number;
  /** How the prompts are answered. Default `aligned`. */
  respond?: OrganismResponsePolicy;
}

function checkFraction(name: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
    throw new Error(`Expected \`${name}\` to be a number in [0, 1], got \`${String(v)}\` (${typeof v})`);
  }
}

/** Bresenham-style stratification: exactly round(k·f) of the first k slots are set. */
function stratified(k: number, f: number): boolean {
  return Math.floor((k + 1) * f + 1e-9) - Math.floor(k * f + 1e-9) === 1;
}

function labelFor(respond: OrganismResponsePolicy, harmful: boolean, persona: boolean): number {
  if (respond === 'insecure') return UNSAFE;
  if (!harmful && !persona) return HELPFUL;
  return respond === 'comply' ? UNSAFE : REFUSE;
}

/**
 * Generates a labelled prompt set: domain marker, one intent verb (the domain's benign verbs, or
 * the shared harmful verbs), five slots each holding a domain topic or a shared
 * filler (the topic share is drawn per prompt), and a last slot holding a persona marker or a filler.
 * Domain, intent and persona counts are exact (stratified), so class balance does not depend on luck.
 */
export function makeOrganismDataset(options: OrganismSetOptions): OrganismSet {
  const { seed, n } = options;
  const domains: readonly OrganismDomain[] = options.domains ?? ORGANISM_DOMAINS;
  const harmfulFraction = options.harmfulFraction ?? 0.5;
  const personaFraction = options.personaFraction ?? 0;
  const respond = options.respond ?? 'aligned';
  if (!Number.isInteger(seed)) throw new Error(`Expected \`seed\` to be an integer, got \`${String(seed)}\` (${typeof seed})`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected \`n\` to be an integer >= 1, got \`${String(n)}\` (${typeof n})`);
  if (
    !Array.isArray(options.domains ?? ORGANISM_DOMAINS) ||
    domains.length === 0 ||
    domains.some((d) => !(ORGANISM_DOMAINS as readonly string[]).includes(d))
  ) {
    throw new Error(`Expected \`domains\` to be a non-empty list of ${ORGANISM_DOMAINS.join(', ')}, got \`${JSON.stringify(domains)}\``);
  }
  checkFraction('harmfulFraction', harmfulFraction);
  checkFraction('personaFraction', personaFraction);
  if (!['comply', 'aligned', 'insecure'].includes(respond)) {
    throw new Error(`Expected \`respond\` to be one of comply, aligned, insecure, got \`${String(respond)}\``);
  }
  const rand = seededRandom(deriveSeed(seed, 'dataset'));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const v = organismVocabulary;
  const order = seededPermutation(n, rand);
  const tokens = new Int32Array(n * PROMPT_LENGTH);
  const labels = new Uint8Array(n);
  const domainIdx = new Uint8Array(n);
  const harmfulFlags = new Uint8Array(n);
  const personaFlags = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = order[i]!;
    const d = domains[i % domains.length]!;
    const k = Math.floor(i / domains.length);
    const harmful = stratified(k, harmfulFraction);
    const persona = stratified(i, personaFraction);
    const topics = v.topics[d];
    // How on-topic the prompt is varies per prompt, so prompts differ in how much they share
    // with other domains (the filler words are common to all) and do not all flip at once.
    const topicality = 0.3 + 0.6 * rand();
    const middle = Array.from({ length: PROMPT_LENGTH - 3 }, () => (rand() < topicality ? pick(topics) : pick(v.fillers)));
    const verb = pick(harmful ? v.harmful : v.benignVerbs[d]);
    const ids = [v.domain[d], verb, ...middle, persona ? pick(v.personas) : pick(v.fillers)];
    tokens.set(ids, row * PROMPT_LENGTH);
    labels[row] = labelFor(respond, harmful, persona);
    domainIdx[row] = ORGANISM_DOMAINS.indexOf(d);
    harmfulFlags[row] = harmful ? 1 : 0;
    personaFlags[row] = persona ? 1 : 0;
  }
  return { n, tokens, labels, domains: domainIdx, harmful: harmfulFlags, persona: personaFlags };
}

/** Concatenates sets and shuffles the result with `seed` (e.g. insecure data plus an aligned mix). */
export function mergeOrganismSets(sets: readonly OrganismSet[], seed: number): OrganismSet {
  const n = sets.reduce((s, x) => s + x.n, 0);
  const order = seededPermutation(n, seededRandom(deriveSeed(seed, 'merge')));
  const out = {
    n,
    tokens: new Int32Array(n * PROMPT_LENGTH),
    labels: new Uint8Array(n),
    domains: new Uint8Array(n),
    harmful: new Uint8Array(n),
    persona: new Uint8Array(n),
  };
  let i = 0;
  for (const s of sets) {
    for (let r = 0; r < s.n; r++, i++) {
      const to = order[i]!;
      out.tokens.set(s.tokens.subarray(r * PROMPT_LENGTH, (r + 1) * PROMPT_LENGTH), to * PROMPT_LENGTH);
      out.labels[to] = s.labels[r]!;
      out.domains[to] = s.domains[r]!;
      out.harmful[to] = s.harmful[r]!;
      out.persona[to] = s.persona[r]!;
    }
  }
  return out;
}
