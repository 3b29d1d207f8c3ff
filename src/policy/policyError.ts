import type { PolicyErrorCode } from './policyErrorCodes.js';

/** One thing wrong with a policy, located precisely enough to fix it without reading code. */
export interface PolicyProblem {
  /** One of `POLICY_ERROR_CODES` (stable; match on this, not on `message`). */
  readonly code: PolicyErrorCode;
  /** The file as the user named it, `<bundled:NAME>` or `<text>`. */
  readonly file: string;
  /** 1-based line and column of the offending key or value (1:1 for whole-file problems; 0:0 for a policy given as an object). */
  readonly line: number;
  readonly col: number;
  /** Where in the policy, e.g. `rules[1].threshold`; empty for whole-file problems. */
  readonly path: string;
  /** What is wrong, e.g. `expected a number, got "high"`. */
  readonly message: string;
  /** What would be accepted, e.g. `a number`. */
  readonly expected?: string;
  /** How to fix it, e.g. "did you mean `subspace.overlap`?". */
  readonly hint?: string;
}

/**
 * `policy.yaml:12:5 rules[1].threshold: expected a number, got "high" (hint)`; without a position
 * (line 0: a policy given as an object) `<Policy object> rules[1].threshold: …`.
 */
export function formatPolicyProblem(p: PolicyProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
  const head = p.path === '' ? where : `${where} ${p.path}`;
  return `${head}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`;
}

/**
 * Thrown by the policy loaders with every problem found (a file is checked completely before
 * failing, so one run of `em-guard validate` shows everything to fix).
 */
export class PolicyError extends Error {
  readonly problems: readonly PolicyProblem[];
  constructor(problems: readonly PolicyProblem[]) {
    const lines = problems.map(formatPolicyProblem);
    super(lines.length === 1 ? `Invalid policy: ${lines[0]}` : `Invalid policy (${lines.length} problems):\n${lines.map((l) => `  ${l}`).join('\n')}`);
    this.name = 'PolicyError';
    this.problems = Object.freeze([...problems]);
  }
}
