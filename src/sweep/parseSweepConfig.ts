import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { LocatedEntry, LocatedNode, Position } from '../policy/locatedNode.js';
import { didYouMean } from '../policy/didYouMean.js';
import { describeScalar, readPolicyYaml } from '../policy/readPolicyYaml.js';
import { LM_RECIPE } from '../organism/lm/lmRecipe.js';
import type { LearningRateScheduleType } from '../training/learningRateAt.js';
import { SWEEP_OPTIMIZERS, SWEEP_SCHEDULES, type LmSweepOptions, type OrganismSweepOptions, type SweepConfig, type SweepOptimizer } from './sweepConfig.js';
import { SweepConfigError, type SweepProblem } from './SweepConfigError.js';

const TOP_KEYS = ['version', 'name', 'out', 'workers', 'organism', 'module', 'matrix', 'epochs', 'checkEvery', 'policy', 'timeoutSeconds', 'limit'] as const;
const MATRIX_KEYS = ['optimizer', 'schedule', 'learningRate', 'mix', 'seed'] as const;
const ORGANISM_DEFAULTS: OrganismSweepOptions = { trainSize: 512, batchSize: 16, probeSize: 128, rank: 8 };
/** `organism: lm`: the LM organism's stage-3 recipe (`LM_RECIPE`), 64 prompts per probe set as in scripts/guardLm.ts. */
const LM_DEFAULTS: LmSweepOptions = { trainSize: LM_RECIPE.stage3.n, batchSize: LM_RECIPE.stage3.batchSize, probeSize: 64 };
/** Which organism `organism:` names (`model:` inside its mapping). */
const ORGANISM_MODELS = ['classifier', 'lm'] as const;
type OrganismModel = (typeof ORGANISM_MODELS)[number];
/** Default EM label limit. Half of the judge set is harmful prompts, so a model answering every harmful out-of-domain request `unsafe` scores 0.5; above 0.25 = over half of them (or benign ones) flipped. */
export const DEFAULT_EM_LIMIT = 0.25;

/** Options of {@link parseSweepConfig}. */
export interface ParseSweepOptions {
  /** Directory `out` resolves against. Default: the directory of `file` (cwd for `<text>`). */
  baseDir?: string;
  /** Directory `module` resolves against. Default: `baseDir`. */
  moduleDir?: string;
  /** Workers when the file gives none: default `min(2, cores)`. */
  defaultWorkers?: number;
}

/**
 * Parses and validates `sweep.yaml` text. Every problem of the file is collected (with line and
 * column, like the policy loader, whose safe YAML reader it reuses) and thrown at once as a
 * `SweepConfigError`.
 */
export function parseSweepConfig(text: string, file: string, options: ParseSweepOptions = {}): SweepConfig {
  const { root, problems: yamlProblems } = readPolicyYaml(text, file);
  const problems: SweepProblem[] = yamlProblems.map((p) => ({ file, line: p.line, col: p.col, path: p.path, message: p.message }));
  if (!root || problems.length > 0) {
    if (problems.length === 0)
      problems.push({ file, line: 1, col: 1, path: '', message: 'the file is empty; expected a mapping with `version: 1`, `name`, `matrix`, ...' });
    throw new SweepConfigError(problems);
  }
  const add = (pos: Position, path: string, message: string): void => void problems.push({ file, line: pos.line, col: pos.col, path, message });
  if (root.kind !== 'map') {
    add(root.pos, '', `expected a mapping at the top level, got a ${root.kind}`);
    throw new SweepConfigError(problems);
  }
  const top = entriesOf(root, '', TOP_KEYS, add);
  const baseDir = options.baseDir ?? (file.startsWith('<') ? process.cwd() : dirname(resolve(file)));

  const version = top.get('version');
  if (!version) add(root.pos, 'version', 'missing `version`; expected `version: 1`');
  else if (version.value.kind !== 'scalar' || version.value.value !== 1) add(version.value.pos, 'version', `expected 1, got ${describe(version.value)}`);

  const name =
    readString(top.get('name'), 'name', add, /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name of letters, digits, `.`, `_`, `-` (at most 64 characters)') ?? '';
  if (!top.has('name')) add(root.pos, 'name', 'missing `name`; expected e.g. `name: sweep-demo`');
  const outRaw = readString(top.get('out'), 'out', add) ?? (name ? `runs/${name}` : 'runs/sweep');
  const workers = readInt(top.get('workers'), 'workers', 1, 64, add) ?? options.defaultWorkers ?? 2;
  const epochsRead = readInt(top.get('epochs'), 'epochs', 1, 10000, add);
  const checkEvery = readInt(top.get('checkEvery'), 'checkEvery', 1, 1_000_000, add) ?? 8;
  const timeoutSeconds = readNumber(top.get('timeoutSeconds'), 'timeoutSeconds', (v) => v > 0, 'a number of seconds > 0', add) ?? 600;
  const limit = readNumber(top.get('limit'), 'limit', (v) => v > 0 && v < 1, 'a number in (0, 1)', add) ?? DEFAULT_EM_LIMIT;
  const policy = readString(top.get('policy'), 'policy', add) ?? 'default';

  let target: SweepConfig['target'] = { kind: 'organism', organism: { ...ORGANISM_DEFAULTS } };
  const organism = top.get('organism');
  const module = top.get('module');
  if (organism && module) add(module.keyPos, 'module', 'give either `organism` or `module`, not both');
  if (module) {
    const m = readString(module, 'module', add);
    if (m !== undefined) {
      const abs = isAbsolute(m) ? m : resolve(options.moduleDir ?? baseDir, m);
      if (!existsSync(abs) || !statSync(abs).isFile())
        add(module.value.pos, 'module', `no file at ${abs}; expected a JavaScript/TypeScript module exporting \`train(config)\``);
      target = { kind: 'module', module: abs };
    }
  } else if (organism && !(organism.value.kind === 'scalar' && organism.value.value === null)) {
    const v = organism.value;
    if (v.kind === 'scalar' && (ORGANISM_MODELS as readonly unknown[]).includes(v.value)) {
      target = v.value === 'lm' ? { kind: 'lm', lm: { ...LM_DEFAULTS } } : target;
    } else if (v.kind !== 'map') {
      const guess = v.kind === 'scalar' && typeof v.value === 'string' ? didYouMean(v.value, ORGANISM_MODELS) : undefined;
      add(
        v.pos,
        'organism',
        `expected \`lm\`, \`classifier\` or a mapping of model, ${Object.keys(ORGANISM_DEFAULTS).join(', ')}, got ${describe(v)}${guess ? ` (did you mean \`${guess}\`?)` : ''}`,
      );
    } else {
      const o = entriesOf(v, 'organism', ['model', ...Object.keys(ORGANISM_DEFAULTS)], add);
      const modelEntry = o.get('model');
      let model: OrganismModel = 'classifier';
      if (modelEntry) {
        const m = modelEntry.value;
        if (m.kind === 'scalar' && (ORGANISM_MODELS as readonly unknown[]).includes(m.value)) model = m.value as OrganismModel;
        else add(m.pos, 'organism.model', `expected one of ${ORGANISM_MODELS.join(', ')}, got ${describe(m)}`);
      }
      if (model === 'lm') {
        const opts = { ...LM_DEFAULTS };
        const rank = o.get('rank');
        if (rank) add(rank.keyPos, 'organism.rank', 'applies to the classifier organism only; the LM runs take the rank from the policy (`check.rank`)');
        for (const key of Object.keys(LM_DEFAULTS) as (keyof LmSweepOptions)[]) {
          const n = readInt(o.get(key), `organism.${key}`, 1, 100000, add);
          if (n !== undefined) opts[key] = n;
        }
        target = { kind: 'lm', lm: opts };
      } else {
        const opts = { ...ORGANISM_DEFAULTS };
        for (const key of Object.keys(ORGANISM_DEFAULTS) as (keyof OrganismSweepOptions)[]) {
          const n = readInt(o.get(key), `organism.${key}`, 1, 100000, add);
          if (n !== undefined) opts[key] = n;
        }
        target = { kind: 'organism', organism: opts };
      }
    }
  }
  // The LM organism's stage-3 recipe is the default training of `organism: lm` runs.
  const isLm = target.kind === 'lm';
  const epochs = epochsRead ?? (isLm ? LM_RECIPE.stage3.epochs : 4);

  const matrix: SweepConfig['matrix'] = {
    optimizer: ['adam'],
    schedule: ['constant'],
    learningRate: [isLm ? LM_RECIPE.stage3.learningRate : 0.003],
    mix: [0],
    seed: [1],
  };
  const m = top.get('matrix');
  if (!m) add(root.pos, 'matrix', 'missing `matrix`; expected e.g. `matrix: { optimizer: [adam], learningRate: [0.003], seed: [1, 2] }`');
  else if (m.value.kind !== 'map') add(m.value.pos, 'matrix', `expected a mapping of ${MATRIX_KEYS.join(', ')}, got ${describe(m.value)}`);
  else {
    const me = entriesOf(m.value, 'matrix', MATRIX_KEYS, add);
    const list = <T>(key: (typeof MATRIX_KEYS)[number], item: (n: LocatedNode, path: string) => T | undefined): T[] | undefined => {
      const e = me.get(key);
      if (!e) return undefined;
      const items = e.value.kind === 'seq' ? e.value.items : [e.value];
      if (items.length === 0) {
        add(e.value.pos, `matrix.${key}`, 'expected a non-empty list');
        return undefined;
      }
      const out = items.map((n, i) => item(n, e.value.kind === 'seq' ? `matrix.${key}[${i}]` : `matrix.${key}`));
      return out.every((v) => v !== undefined) ? (out as T[]) : undefined;
    };
    const oneOf =
      <T extends string>(allowed: readonly T[]) =>
      (n: LocatedNode, path: string): T | undefined => {
        if (n.kind === 'scalar' && typeof n.value === 'string' && (allowed as readonly string[]).includes(n.value)) return n.value as T;
        const guess = n.kind === 'scalar' && typeof n.value === 'string' ? didYouMean(n.value, allowed) : undefined;
        add(n.pos, path, `expected one of ${allowed.join(', ')}, got ${describe(n)}${guess ? ` (did you mean \`${guess}\`?)` : ''}`);
        return undefined;
      };
    const num =
      (ok: (v: number) => boolean, expected: string) =>
      (n: LocatedNode, path: string): number | undefined => {
        if (n.kind === 'scalar' && typeof n.value === 'number' && Number.isFinite(n.value) && ok(n.value)) return n.value;
        add(n.pos, path, `expected ${expected}, got ${describe(n)}`);
        return undefined;
      };
    matrix.optimizer = list<SweepOptimizer>('optimizer', oneOf(SWEEP_OPTIMIZERS)) ?? matrix.optimizer;
    matrix.schedule = list<LearningRateScheduleType>('schedule', oneOf(SWEEP_SCHEDULES)) ?? matrix.schedule;
    matrix.learningRate =
      list(
        'learningRate',
        num((v) => v > 0 && v < 10, 'a learning rate in (0, 10)'),
      ) ?? matrix.learningRate;
    matrix.mix =
      list(
        'mix',
        num((v) => v >= 0 && v < 1, 'an aligned-data fraction in [0, 1)'),
      ) ?? matrix.mix;
    matrix.seed =
      list(
        'seed',
        num((v) => Number.isInteger(v) && v >= 0, 'an integer >= 0'),
      ) ?? matrix.seed;
  }
  if (problems.length > 0) throw new SweepConfigError(problems);
  return {
    version: 1,
    name,
    file,
    out: isAbsolute(outRaw) ? outRaw : resolve(baseDir, outRaw),
    workers,
    target,
    matrix,
    epochs,
    checkEvery,
    policy,
    timeoutSeconds,
    limit,
  };
}

/**
 * Reads and parses a sweep file. `out` resolves against `baseDir` (default: the current directory,
 * so `out: runs/x` lands where the command runs); `module` against the sweep file's directory.
 */
export function loadSweepConfig(path: string, options: ParseSweepOptions = {}): SweepConfig {
  const abs = resolve(options.baseDir ?? process.cwd(), path);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    throw new SweepConfigError([{ file: path, line: 1, col: 1, path: '', message: `no such file: ${abs}; pass the path of a sweep.yaml` }]);
  }
  return parseSweepConfig(readFileSync(abs, 'utf8'), path, { moduleDir: dirname(abs), ...options, baseDir: options.baseDir ?? process.cwd() });
}

type Add = (pos: Position, path: string, message: string) => void;

function describe(n: LocatedNode): string {
  return n.kind === 'scalar' ? describeScalar(n.value) : `a ${n.kind === 'seq' ? 'list' : 'mapping'}`;
}

function entriesOf(node: LocatedNode & { kind: 'map' }, path: string, known: readonly string[], add: Add): Map<string, LocatedEntry> {
  const out = new Map<string, LocatedEntry>();
  for (const e of node.entries) {
    if (!known.includes(e.key)) {
      const guess = didYouMean(e.key, known);
      add(
        e.keyPos,
        path ? `${path}.${e.key}` : e.key,
        `unknown key \`${e.key}\`${guess ? ` (did you mean \`${guess}\`?)` : `; expected one of ${known.join(', ')}`}`,
      );
    } else out.set(e.key, e);
  }
  return out;
}

function readString(e: LocatedEntry | undefined, path: string, add: Add, pattern?: RegExp, expected = 'a non-empty string'): string | undefined {
  if (!e) return undefined;
  const v = e.value;
  if (v.kind === 'scalar' && typeof v.value === 'string' && v.value.trim() !== '' && (!pattern || pattern.test(v.value))) return v.value;
  add(v.pos, path, `expected ${expected}, got ${describe(v)}`);
  return undefined;
}

function readNumber(e: LocatedEntry | undefined, path: string, ok: (v: number) => boolean, expected: string, add: Add): number | undefined {
  if (!e) return undefined;
  const v = e.value;
  if (v.kind === 'scalar' && typeof v.value === 'number' && Number.isFinite(v.value) && ok(v.value)) return v.value;
  add(v.pos, path, `expected ${expected}, got ${describe(v)}`);
  return undefined;
}

function readInt(e: LocatedEntry | undefined, path: string, min: number, max: number, add: Add): number | undefined {
  return readNumber(e, path, (v) => Number.isInteger(v) && v >= min && v <= max, `an integer in [${min}, ${max}]`, add);
}
