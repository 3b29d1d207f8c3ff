import type { Policy, Schedule } from './policy.js';

/** A short machine-readable digest of a policy, for `em-guard validate` and run logs. */
export interface PolicyDescription {
  readonly source: string;
  readonly rules: number;
  readonly severities: { readonly info: number; readonly warning: number; readonly critical: number };
  /** e.g. `every 25 batches after a 100-batch warmup`. */
  readonly schedule: string;
  /** Every action any rule can trigger, sorted. */
  readonly actions: readonly string[];
  /** The whole digest on one line. */
  readonly text: string;
}

function unit(s: Schedule): [number, string] {
  return 'batches' in s ? [s.batches, 'batch'] : [s.epochs, 'epoch'];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : word.endsWith('h') ? 'es' : 's'}`;
}

/** Summarise a policy in one line: rules by severity, check schedule, actions used. */
export function describePolicy(policy: Policy): PolicyDescription {
  const severities = { info: 0, warning: 0, critical: 0 };
  for (const r of policy.rules) severities[r.severity] += 1;
  const [n, u] = unit(policy.check.every);
  const [w, wu] = unit(policy.check.warmup);
  const schedule = `every ${n === 1 ? u : plural(n, u)}${w > 0 ? ` after a ${w}-${wu} warmup` : ''}`;
  const actions = [...new Set(policy.rules.flatMap((r) => r.actions))].sort();
  const sev = (['critical', 'warning', 'info'] as const)
    .filter((s) => severities[s] > 0)
    .map((s) => `${severities[s]} ${s}`)
    .join(', ');
  const layers = policy.check.layers === 'auto' ? 'layers auto' : plural(policy.check.layers.length, 'layer');
  const text = `${plural(policy.rules.length, 'rule')} (${sev}), check ${schedule}, rank ${policy.check.rank}, ${layers}; actions: ${actions.length > 0 ? actions.join(', ') : 'none'}`;
  return { source: policy.source, rules: policy.rules.length, severities, schedule, actions, text };
}
