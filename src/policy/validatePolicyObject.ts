import { stringify } from 'yaml';
import type { Policy } from './policy.js';
import { PolicyError, type PolicyProblem } from './policyError.js';
import { POLICY_ERROR_CODES as C } from './policyErrorCodes.js';
import { parsePolicy } from './parsePolicy.js';
import { isResolved, markResolved } from './resolvedPolicies.js';

/** Shown as the file of a problem in a policy given as an object. */
export const POLICY_OBJECT = '<Policy object>';

/**
 * Validates a policy given as an object (a `Policy` from `loadPolicy`, or one written by hand)
 * exactly as YAML is validated, and returns it resolved (defaults filled, frozen). Problems carry
 * the same codes and paths (`rules[1].threshold`) as for a file; line and column are 0 (an object
 * has none). Throws `PolicyError`, never a TypeError from deeper in.
 */
export function validatePolicyObject(value: unknown): Policy {
  if (isResolved(value)) return value as Policy;
  const fail = (message: string, expected: string): never => {
    throw new PolicyError([{ code: C.wrongType, file: POLICY_OBJECT, line: 0, col: 0, path: '', message, expected }]);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail(
      `expected a policy object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
      'a Policy from loadPolicy() or an object of the same shape',
    );
  // `source` is where a loaded policy came from, not a policy key; keep it for the logs.
  const { source, ...data } = value as Record<string, unknown>;
  let text = '';
  try {
    // Plain data goes through the YAML validator unchanged; a function or a cycle cannot be policy data.
    text = stringify(data, { aliasDuplicateObjects: false });
  } catch (e) {
    fail(`cannot be read as plain data: ${(e as Error).message}`, 'plain objects, arrays, strings, numbers, booleans and null');
  }
  let policy: Policy;
  try {
    policy = parsePolicy(text, POLICY_OBJECT);
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    throw new PolicyError(e.problems.map((p): PolicyProblem => ({ ...p, line: 0, col: 0 })));
  }
  return typeof source === 'string' && source !== '' ? markResolved(Object.freeze({ ...policy, source })) : policy;
}
