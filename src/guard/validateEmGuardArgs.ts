import { defaultPolicy, loadPolicy } from '../policy/loadPolicy.js';
import type { Policy } from '../policy/types.js';
import { validatePolicyObject } from '../policy/validatePolicyObject.js';
import type { EmGuardArgs } from './emGuardArgs.js';

/** Checks `emGuard(args)` in the constructor: messages say what was received and what was expected. */
export function validateEmGuardArgs(args: EmGuardArgs): void {
  if (!args || typeof args !== 'object') throw new TypeError('emGuard: expected an arguments object { policy?, probes, ... }, got ' + typeof args);
  if (!args.probes || typeof args.probes !== 'object')
    throw new TypeError('emGuard: `probes` is required: { train: Tensor, eval: Tensor, alignment?, contrast? }');
  if (args.probes.train === undefined) throw new TypeError('emGuard: `probes.train` is required (in-domain prompts, a Tensor or Tensor[])');
  if (args.probes.eval === undefined) throw new TypeError('emGuard: `probes.eval` is required (out-of-domain prompts, a Tensor or Tensor[])');
  if (args.probeBatchSize !== undefined && (!Number.isInteger(args.probeBatchSize) || args.probeBatchSize < 1)) {
    throw new TypeError(`emGuard: expected \`probeBatchSize\` to be an integer >= 1, got \`${String(args.probeBatchSize)}\` (${typeof args.probeBatchSize})`);
  }
  if (args.pooling !== undefined && args.pooling !== 'last' && args.pooling !== 'mean') {
    throw new TypeError(`emGuard: expected \`pooling\` to be "last" or "mean", got \`${String(args.pooling)}\``);
  }
  if (args.runDir !== undefined && args.runDir !== false && (typeof args.runDir !== 'string' || args.runDir.trim() === '')) {
    throw new TypeError(`emGuard: expected \`runDir\` to be a non-empty path or false, got \`${String(args.runDir)}\``);
  }
  if (args.metrics !== undefined && args.metrics !== 'policy' && args.metrics !== 'all') {
    throw new TypeError(`emGuard: expected \`metrics\` to be "policy" or "all", got \`${String(args.metrics)}\``);
  }
  if (args.baseline !== undefined && (typeof args.baseline !== 'string' || args.baseline === '')) {
    throw new TypeError(
      `emGuard: expected \`baseline\` to be the path of a saved baseline directory (<runDir>/baseline of a fit with saveBaseline: true), got \`${String(args.baseline)}\``,
    );
  }
  if (args.saveBaseline !== undefined && typeof args.saveBaseline !== 'boolean') {
    throw new TypeError(`emGuard: expected \`saveBaseline\` to be true or false, got \`${String(args.saveBaseline)}\``);
  }
  if (args.saveBaseline && args.runDir === false) {
    throw new TypeError('emGuard: `saveBaseline: true` writes <runDir>/baseline, but `runDir` is false; give a run directory or drop saveBaseline');
  }
  if (args.capture !== undefined && args.capture !== 'auto' && args.capture !== 'worker' && args.capture !== 'inline') {
    throw new TypeError(`emGuard: expected \`capture\` to be "auto", "worker" or "inline", got \`${String(args.capture)}\``);
  }
  if (args.unevaluable !== undefined && args.unevaluable !== 'error' && args.unevaluable !== 'warn' && args.unevaluable !== 'ignore') {
    throw new TypeError(`emGuard: expected \`unevaluable\` to be "error", "warn" or "ignore", got \`${String(args.unevaluable)}\``);
  }
  if (args.workerImports !== undefined && (!Array.isArray(args.workerImports) || args.workerImports.some((p) => typeof p !== 'string' || p === ''))) {
    throw new TypeError(
      `emGuard: expected \`workerImports\` to be an array of module paths (e.g. ['./myLayers.js']), got \`${JSON.stringify(args.workerImports)}\``,
    );
  }
  if (args.seed !== undefined && !Number.isInteger(args.seed)) throw new TypeError(`emGuard: expected \`seed\` to be an integer, got \`${String(args.seed)}\``);
  for (const a of args.plugins?.actions ?? []) {
    if (!a || typeof a.name !== 'string' || typeof a.run !== 'function')
      throw new TypeError('emGuard: every `plugins.actions` entry needs a `name` and a `run(ctx)` function');
  }
  for (const m of args.plugins?.metrics ?? []) {
    if (!m || typeof m.name !== 'string' || typeof m.compute !== 'function')
      throw new TypeError('emGuard: every `plugins.metrics` entry needs a `name` and a `compute(ctx)` function');
  }
}

/**
 * The guard's policy from `args.policy`: a bundled name, YAML text or file path, or a policy
 * object (validated like YAML: a hand-written one with a typo gets coded problems, not a TypeError).
 */
export function resolvePolicy(policy: EmGuardArgs['policy']): Policy {
  if (policy === undefined) return defaultPolicy();
  // loadPolicy tells a bundled name, YAML text and a file path apart itself.
  if (typeof policy === 'string') return loadPolicy(policy);
  return validatePolicyObject(policy);
}
