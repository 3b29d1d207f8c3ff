import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { packageRoot } from '../util/packageRoot.js';
import { didYouMean } from './didYouMean.js';
import type { PolicyProblem } from './policyError.js';
import { POLICY_ERROR_CODES as C } from './policyErrorCodes.js';
import { BUNDLED_POLICIES } from './policyKeys.js';
import type { PolicyLayer } from './policyLayer.js';
import { readPolicySource } from './readPolicySource.js';
import { readPolicyYaml } from './readPolicyYaml.js';
import { validatePolicyLayer } from './validatePolicyLayer.js';

/** Longest `extends` chain followed (the loaded file counts as 1). */
export const MAX_EXTENDS_DEPTH = 8;

/** A `extends` value that names a bundled policy rather than a path: a bare word. */
export const BUNDLED_NAME = /^[A-Za-z0-9_-]+$/;

/** One policy text to read, with what `extends` inside it resolves against. */
export interface PolicyInput {
  readonly text: string;
  /** Shown in problems: the path as the user wrote it, `<bundled:NAME>` or `<text>`. */
  readonly file: string;
  /** Directory relative `extends` paths resolve against and must stay inside; null for bundled. */
  readonly dir: string | null;
  /** Identity for cycle detection: a real path, `<bundled:NAME>` or `<text>`. */
  readonly id: string;
}

/** The input for bundled policy `name`, or problems. */
export function bundledPolicyInput(name: string): { input?: PolicyInput; problems: PolicyProblem[] } {
  const file = `<bundled:${name}>`;
  const source = readPolicySource(join(packageRoot(), 'configs', `${name}.yaml`), file);
  if (source.problems) return { problems: source.problems };
  return { input: { text: source.text, file, dir: null, id: file }, problems: [] };
}

function problem(layer: PolicyLayer, code: PolicyProblem['code'], message: string, hint?: string): PolicyProblem {
  const pos = layer.extends?.pos ?? layer.rootPos;
  return { code, file: layer.file, line: pos.line, col: pos.col, path: 'extends', message, ...(hint ? { hint } : {}) };
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function resolveExtends(layer: PolicyLayer, from: PolicyInput, problems: PolicyProblem[]): PolicyInput | undefined {
  const value = layer.extends!.value;
  if (BUNDLED_NAME.test(value)) {
    if (!(BUNDLED_POLICIES as readonly string[]).includes(value)) {
      const guess = didYouMean(value, BUNDLED_POLICIES);
      problems.push(
        problem(
          layer,
          C.extendsNotFound,
          `no bundled policy named \`${value}\``,
          guess
            ? `did you mean \`${guess}\`?`
            : `bundled policies: ${BUNDLED_POLICIES.join(', ')}; a file path must contain a \`.\` or \`/\` (e.g. ./base.yaml)`,
        ),
      );
      return undefined;
    }
    const { input, problems: p } = bundledPolicyInput(value);
    problems.push(...p);
    return input;
  }
  if (from.dir === null) {
    problems.push(problem(layer, C.extendsEscape, 'a bundled policy may only extend another bundled policy by name'));
    return undefined;
  }
  if (isAbsolute(value)) {
    problems.push(
      problem(
        layer,
        C.extendsEscape,
        `\`extends\` must be a relative path, got \`${value}\``,
        "write the path relative to this file; it must stay inside this file's directory",
      ),
    );
    return undefined;
  }
  const target = resolve(from.dir, value);
  const file = from.file.startsWith('<') ? target : normalize(join(dirname(from.file), value));
  if (!existsSync(target)) {
    problems.push(
      problem(layer, C.extendsNotFound, `\`${value}\` does not exist (looked for ${target})`, "the path is relative to the extending file's directory"),
    );
    return undefined;
  }
  let real: string;
  let realDir: string;
  try {
    real = realpathSync(target);
    realDir = realpathSync(from.dir);
  } catch {
    problems.push(problem(layer, C.extendsNotFound, `cannot resolve \`${value}\``));
    return undefined;
  }
  if (!isInside(real, realDir)) {
    problems.push(
      problem(
        layer,
        C.extendsEscape,
        `\`${value}\` resolves outside ${realDir}`,
        "an extended policy must live in the extending file's directory or below it (symlinks are followed)",
      ),
    );
    return undefined;
  }
  const source = readPolicySource(real, file);
  if (source.problems) {
    problems.push(...source.problems);
    return undefined;
  }
  return { text: source.text, file, dir: dirname(real), id: real };
}

/**
 * Read, validate and follow `extends` from `input`, collecting every problem of every file.
 * Returns the layers with the most basic parent first. Cycles and chains longer than
 * `MAX_EXTENDS_DEPTH` are reported as `extends-cycle`.
 */
export function collectPolicyLayers(input: PolicyInput, problems: PolicyProblem[], chain: readonly string[] = []): PolicyLayer[] {
  const here = [...chain, input.id];
  const yaml = readPolicyYaml(input.text, input.file);
  problems.push(...yaml.problems);
  if (yaml.problems.length > 0 && yaml.root === null) return [];
  const layer = validatePolicyLayer(yaml.root, input.file, problems);
  if (!layer) return [];
  if (!layer.extends) return [layer];
  const parent = resolveExtends(layer, input, problems);
  if (!parent) return [layer];
  if (here.includes(parent.id)) {
    problems.push(problem(layer, C.extendsCycle, `\`extends\` loops: ${[...here, parent.id].join(' → ')}`, 'remove one `extends` from the loop'));
    return [layer];
  }
  if (here.length >= MAX_EXTENDS_DEPTH) {
    problems.push(problem(layer, C.extendsCycle, `\`extends\` chain longer than ${MAX_EXTENDS_DEPTH} files`, 'flatten the chain'));
    return [layer];
  }
  return [...collectPolicyLayers(parent, problems, here), layer];
}
