import type { Policy, Rule, RuleCondition } from '../policy/types.js';
import type { EmGuardProbes } from '../probes/probeTypes.js';
import { CORE_METRICS } from './computeCoreMetrics.js';
import type { MetricPlugin } from './pluginTypes.js';

/** A rule, or one of its `unless` exceptions, that this fit can never evaluate. */
export interface UnevaluableRule {
  /** `unevaluable-rule`: the rule can never fire; `unevaluable-exception`: its exception can never hold. */
  code: 'unevaluable-rule' | 'unevaluable-exception';
  rule: string;
  /** The metric key read (`metric` or `metric@layer`). */
  metric: string;
  /** What is missing, e.g. `probes.alignment (not given)`. */
  missing: string;
  /** How to give it. */
  fix: string;
  /** One line naming the rule, the metric, the missing input and every way out. */
  message: string;
}

/** Error of `fit` (at `onTrainBegin`, before any step) when a policy has rules this fit cannot evaluate. */
export class UnevaluableRulesError extends Error {
  readonly code = 'unevaluable-rules';
  readonly rules: readonly UnevaluableRule[];
  constructor(policy: Policy, rules: readonly UnevaluableRule[]) {
    super(
      `emGuard: policy ${policy.source} has ${rules.length} rule${rules.length > 1 ? 's' : ''} or exception${rules.length > 1 ? 's' : ''} this fit can never evaluate:\n` +
        rules.map((r) => `  - ${r.message}`).join('\n') +
        "\nGive the missing inputs, use a policy without these rules (or one that extends it and disables them with `{ name, enabled: false }`), or pass `unevaluable: 'warn'` to train with them off.",
    );
    this.name = 'UnevaluableRulesError';
    this.rules = rules;
  }
}

const ALWAYS = new Set(['loss', 'nonfinite', ...Object.keys(CORE_METRICS)]);

function describe(c: RuleCondition): string {
  return `${c.metric}${c.layer ? `@${c.layer}` : ''} ${c.op} ${c.relativeTo === 'baseline' ? `baseline ${c.threshold < 0 ? '−' : '+'} ${Math.abs(c.threshold)}` : c.threshold}`;
}

/**
 * Which rules and `unless` exceptions of `policy` can never be evaluated in a fit with these
 * probes, watched layers and metric plugins: a metric whose plugin lacks an input it needs (e.g.
 * `alignment.score` without `probes.alignment`), a metric no plugin computes, a layer not watched.
 * Runtime gaps (a metric null at one check) are not this: they are notices during the fit.
 */
export function findUnevaluableRules(policy: Policy, probes: EmGuardProbes, layers: readonly string[], plugins: readonly MetricPlugin[]): UnevaluableRule[] {
  const byName = new Map(plugins.map((p) => [p.name, p]));
  const gap = (metric: string, layer: string | undefined): { missing: string; fix: string } | null => {
    if (layer !== undefined && !layers.includes(layer))
      return {
        missing: `layer \`${layer}\` (not watched; watching ${layers.join(', ')})`,
        fix: `add \`${layer}\` to \`layers\` (or the policy's check.layers)`,
      };
    if (ALWAYS.has(metric)) return null;
    const plugin = byName.get(metric);
    if (!plugin) return { missing: `a metric plugin computing \`${metric}\` (none given)`, fix: `pass the plugin in \`plugins.metrics\`` };
    return plugin.missingInput?.(probes) ?? null;
  };
  const out: UnevaluableRule[] = [];
  const add = (rule: Rule, cond: RuleCondition | null): boolean => {
    const c = cond ?? rule;
    const g = gap(c.metric, c.layer);
    if (!g) return false;
    const key = c.layer ? `${c.metric}@${c.layer}` : c.metric;
    const message = cond
      ? `rule \`${rule.name}\`: its exception \`unless: ${describe(cond)}\` reads \`${key}\`, which needs ${g.missing}: the exception can never hold, so the rule fires whenever its own condition does. Fix: ${g.fix}`
      : `rule \`${rule.name}\` reads \`${key}\`, which needs ${g.missing}: the rule can never fire. Fix: ${g.fix}`;
    out.push({ code: cond ? 'unevaluable-exception' : 'unevaluable-rule', rule: rule.name, metric: key, missing: g.missing, fix: g.fix, message });
    return true;
  };
  for (const rule of policy.rules) {
    // A rule that is off anyway needs no word about its exceptions.
    if (!add(rule, null)) for (const c of rule.unless) add(rule, c);
  }
  return out;
}
