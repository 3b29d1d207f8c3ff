import { existsSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BUNDLED_NAME, bundledPolicyInput } from './collectPolicyLayers.js';
import { didYouMean } from './didYouMean.js';
import { parsePolicy, resolvePolicyInput, type PolicyLoadOptions } from './parsePolicy.js';
import type { Policy } from './policy.js';
import { PolicyError } from './policyError.js';
import { POLICY_ERROR_CODES as C } from './policyErrorCodes.js';
import { BUNDLED_POLICIES } from './policyKeys.js';
import { readPolicySource } from './readPolicySource.js';

export { parsePolicy } from './parsePolicy.js';
export type { PolicyLoadOptions } from './parsePolicy.js';

const bundledCache = new Map<string, Policy>();

/** `configs/<name>.yaml` (optionally `./`-prefixed): how the repository names its bundled policies. */
const BUNDLED_PATH = /^(?:\.\/)?configs\/([A-Za-z0-9_-]+)\.ya?ml$/;

/**
 * One of the policies shipped in `configs/` (`default`, `strict`, `observe`), parsed once and
 * cached (it is frozen, so sharing is safe).
 */
export function loadBundledPolicy(name: string): Policy {
  const cached = bundledCache.get(name);
  if (cached) return cached;
  if (!(BUNDLED_POLICIES as readonly string[]).includes(name)) {
    const guess = didYouMean(name, BUNDLED_POLICIES);
    throw new PolicyError([
      {
        code: C.fileNotFound,
        file: `<bundled:${name}>`,
        line: 1,
        col: 1,
        path: '',
        message: `no bundled policy named \`${name}\``,
        hint: guess ? `did you mean \`${guess}\`?` : `bundled policies: ${BUNDLED_POLICIES.join(', ')}`,
      },
    ]);
  }
  const { input, problems } = bundledPolicyInput(name);
  if (!input) throw new PolicyError(problems);
  const policy = resolvePolicyInput(input, input.file);
  bundledCache.set(name, policy);
  return policy;
}

/** The bundled `default` policy: what the guard uses when given none. */
export function defaultPolicy(): Policy {
  return loadBundledPolicy('default');
}

/**
 * Load a policy from a file path, a bundled name or YAML text, decided in this order:
 * 1. text containing a line break is YAML text (`source` = `<text>`);
 * 2. a bare word (letters, digits, `_`, `-`) is a bundled policy name (`default`, `strict`, `observe`);
 * 3. anything else is a file path, resolved against `options.baseDir` (default: the current directory);
 *    `configs/<name>.yaml` for a bundled name loads the bundled policy when no such file exists there.
 * The file is size-checked before reading and must be UTF-8. Throws `PolicyError` only.
 */
export function loadPolicy(pathOrText: string, options: PolicyLoadOptions = {}): Policy {
  if (typeof pathOrText !== 'string') {
    throw new PolicyError([
      {
        code: C.fileNotFound,
        file: '<input>',
        line: 1,
        col: 1,
        path: '',
        message: `expected a policy path, bundled name or YAML text, got ${typeof pathOrText}`,
      },
    ]);
  }
  if (pathOrText.includes('\n')) return parsePolicy(pathOrText, '<text>', options);
  if (BUNDLED_NAME.test(pathOrText)) return loadBundledPolicy(pathOrText);
  const base = options.baseDir ?? process.cwd();
  const abs = resolve(base, pathOrText);
  const file = pathOrText; // shown as the user wrote it
  // `configs/strict.yaml` as in the repository's docs: in an installed app no such file exists
  // under the current directory, but the bundled policy of that name does.
  const bundled = BUNDLED_PATH.exec(pathOrText.replace(/\\/g, '/'))?.[1];
  if (bundled !== undefined && (BUNDLED_POLICIES as readonly string[]).includes(bundled) && !existsSync(abs)) return loadBundledPolicy(bundled);
  const source = readPolicySource(abs, file);
  if (source.problems) {
    if (source.problems[0]?.code === C.fileNotFound && !existsSync(abs)) {
      throw new PolicyError([
        {
          ...source.problems[0],
          hint: `no such file (resolved to ${abs}); bundled policies are loaded by name: ${BUNDLED_POLICIES.map((n) => `'${n}'`).join(', ')}`,
        },
      ]);
    }
    throw new PolicyError(source.problems);
  }
  return resolvePolicyInput({ text: source.text, file, dir: dirname(abs), id: realpathSync(abs) }, file);
}
