import { deepFreeze } from './deepFreeze.js';
import { markResolved } from './resolvedPolicies.js';
import { didYouMean } from './didYouMean.js';
import type { Policy, Rule } from './policy.js';
import { POLICY_DEFAULTS } from './policyDefaults.js';
import type { PolicyProblem } from './policyError.js';
import { POLICY_ERROR_CODES as C } from './policyErrorCodes.js';
import type { PolicyLayer, RuleEntry } from './policyLayer.js';

/**
 * Merge validated layers (the most basic parent first, the loaded file last) into one frozen
 * policy. `check` and `checkpoint` merge key by key (a child's key replaces the parent's); rules
 * merge by name: a child's rule replaces the parent's rule of that name in place (whole rule,
 * no field-wise merge), `{ name, enabled: false }` removes it, new names are appended.
 * Cross-file problems are appended to `problems`; returns undefined when any problem exists.
 */
export function mergePolicyLayers(layers: readonly PolicyLayer[], source: string, problems: PolicyProblem[]): Policy | undefined {
  const check: Record<string, unknown> = { ...POLICY_DEFAULTS.check };
  const checkpoint: Record<string, unknown> = { ...POLICY_DEFAULTS.checkpoint };
  let rules: { rule: Rule; layer: PolicyLayer; index: number; layerPos?: PolicyLayer['rootPos']; unlessLayerPos?: RuleEntry['unlessLayerPos'] }[] = [];
  for (const layer of layers) {
    Object.assign(check, layer.check);
    Object.assign(checkpoint, layer.checkpoint);
    for (const entry of layer.rules ?? []) {
      const at = rules.findIndex((r) => r.rule.name === entry.name);
      if (entry.rule === null) {
        if (at < 0) {
          const guess = didYouMean(
            entry.name,
            rules.map((r) => r.rule.name),
          );
          problems.push({
            code: C.unknownRule,
            file: layer.file,
            line: entry.pos.line,
            col: entry.pos.col,
            path: `rules[${entry.index}].name`,
            message: `\`enabled: false\` names rule \`${entry.name}\`, which no extended policy defines`,
            hint: guess ? `did you mean \`${guess}\`?` : 'check the rule names of the policy named in `extends`',
          });
        } else {
          rules = rules.filter((_, i) => i !== at);
        }
        continue;
      }
      const item = {
        rule: entry.rule,
        layer,
        index: entry.index,
        ...(entry.layerPos ? { layerPos: entry.layerPos } : {}),
        ...(entry.unlessLayerPos ? { unlessLayerPos: entry.unlessLayerPos } : {}),
      };
      if (at < 0) rules.push(item);
      else rules[at] = item;
    }
  }
  const layersList = check.layers;
  if (Array.isArray(layersList)) {
    const known = layersList as string[];
    // A rule (or one of its `unless` conditions) naming a layer the guard will not watch.
    const unknownLayer = (name: string, file: string, pos: PolicyLayer['rootPos'], path: string, of: string) => {
      const guess = didYouMean(name, known);
      problems.push({
        code: C.unknownLayer,
        file,
        line: pos.line,
        col: pos.col,
        path,
        message: `layer \`${name}\`${of} is not in check.layers (${known.join(', ')})`,
        hint: guess ? `did you mean \`${guess}\`?` : 'add it to check.layers or fix the name',
      });
    };
    for (const { rule, layer, index, layerPos, unlessLayerPos } of rules) {
      if (rule.layer !== undefined && !known.includes(rule.layer)) unknownLayer(rule.layer, layer.file, layerPos ?? layer.rootPos, `rules[${index}].layer`, '');
      rule.unless.forEach((c, i) => {
        if (c.layer !== undefined && !known.includes(c.layer))
          unknownLayer(
            c.layer,
            layer.file,
            unlessLayerPos?.[i] ?? layer.rootPos,
            `rules[${index}].unless[${i}].layer`,
            ` (an \`unless\` condition of rule \`${rule.name}\`)`,
          );
      });
    }
  }
  if (problems.length > 0) return undefined;
  const last = layers[layers.length - 1];
  if (rules.length === 0 && last) {
    problems.push({
      code: C.noRules,
      file: last.file,
      line: last.rootPos.line,
      col: last.rootPos.col,
      path: 'rules',
      message: 'the policy has no rules, so it could never act',
      hint: 'add a rule, or extend a bundled policy (`extends: default`)',
    });
    return undefined;
  }
  return markResolved(
    deepFreeze({
      version: 1,
      source,
      check: structuredClone(check) as unknown as Policy['check'],
      rules: rules.map((r) => structuredClone(r.rule)),
      checkpoint: structuredClone(checkpoint) as unknown as Policy['checkpoint'],
    } satisfies Policy),
  );
}
