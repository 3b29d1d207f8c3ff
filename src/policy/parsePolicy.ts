import { existsSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { collectPolicyLayers, type PolicyInput } from './collectPolicyLayers.js';
import { mergePolicyLayers } from './mergePolicyLayers.js';
import type { Policy } from './policy.js';
import { PolicyError, type PolicyProblem } from './policyError.js';

/** Options of `parsePolicy` / `loadPolicy`. */
export interface PolicyLoadOptions {
  /**
   * Directory relative paths resolve against: the policy path given to `loadPolicy`, and the
   * relative `extends` of a policy given as text. Default: `process.cwd()`.
   */
  baseDir?: string;
}

/** Problems grouped by file (in order of first appearance), then by position. */
export function sortProblems(problems: readonly PolicyProblem[]): PolicyProblem[] {
  const files = [...new Set(problems.map((p) => p.file))];
  return [...problems].sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line || a.col - b.col);
}

/** Validate, resolve `extends` and merge one policy input; throws PolicyError with every problem. */
export function resolvePolicyInput(input: PolicyInput, source: string): Policy {
  const problems: PolicyProblem[] = [];
  const layers = collectPolicyLayers(input, problems);
  const policy = problems.length === 0 ? mergePolicyLayers(layers, source, problems) : undefined;
  if (!policy || problems.length > 0) throw new PolicyError(sortProblems(problems));
  return policy;
}

/**
 * Parse policy YAML text into a validated, frozen `Policy`. `fileName` is used in error messages
 * and as `policy.source`; when it names a real file, relative `extends` resolve against its
 * directory, otherwise (`<text>`) against `options.baseDir` or the current directory.
 * Throws `PolicyError` (never anything else) listing every problem.
 */
export function parsePolicy(text: string, fileName = '<text>', options: PolicyLoadOptions = {}): Policy {
  const base = options.baseDir ?? process.cwd();
  const isFile = !fileName.startsWith('<');
  const abs = resolve(base, fileName);
  const dir = isFile ? dirname(abs) : base;
  const id = isFile ? (existsSync(abs) ? realpathSync(abs) : abs) : fileName;
  return resolvePolicyInput({ text: String(text), file: fileName, dir, id }, fileName);
}
