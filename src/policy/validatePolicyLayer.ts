import { didYouMean } from './didYouMean.js';
import type { LocatedEntry, LocatedNode, Position } from './locatedNode.js';
import type { Policy, Rule, RuleCondition, Schedule } from './policy.js';
import { POLICY_DEFAULTS } from './policyDefaults.js';
import type { PolicyProblem } from './policyError.js';
import { POLICY_ERROR_CODES as C, type PolicyErrorCode } from './policyErrorCodes.js';
import { POLICY_ENUMS, POLICY_KEYS, POLICY_LIMITS } from './policyKeys.js';
import type { PolicyLayer, RuleEntry } from './policyLayer.js';
import { describeScalar } from './readPolicyYaml.js';
import { actionInfo, isKnownAction, isKnownMetric, listActions, listMetrics, metricInfo } from './registry.js';

const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const LAYER_NAME = /^[^\s@][^@]*$/;

function kindOf(node: LocatedNode): string {
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  if (node.value === null) return 'null (empty value)';
  return describeScalar(node.value);
}

/** Collects problems for one file while reading its located tree. */
class LayerReader {
  constructor(
    readonly file: string,
    readonly problems: PolicyProblem[],
  ) {}

  report(code: PolicyErrorCode, pos: Position, path: string, message: string, expected?: string, hint?: string): void {
    this.problems.push({ code, file: this.file, line: pos.line, col: pos.col, path, message, ...(expected ? { expected } : {}), ...(hint ? { hint } : {}) });
  }

  wrongType(node: LocatedNode, path: string, expected: string, hint?: string): undefined {
    let h = hint;
    if (!h && node.kind === 'scalar' && typeof node.value === 'string') {
      if (/number|integer/.test(expected) && node.value.trim() !== '' && Number.isFinite(Number(node.value))) h = 'remove the quotes';
      if (expected.includes('boolean') && /^(yes|no|on|off|y|n|true|false)$/i.test(node.value)) h = 'write true or false, unquoted';
    }
    this.report(C.wrongType, node.pos, path, `expected ${expected}, got ${kindOf(node)}`, expected, h);
    return undefined;
  }

  /** The entries of a mapping, reporting unknown keys (with a suggestion). */
  map(node: LocatedNode, path: string, allowed: readonly string[]): Map<string, LocatedEntry> | undefined {
    if (node.kind !== 'map') return this.wrongType(node, path, 'a mapping');
    const out = new Map<string, LocatedEntry>();
    for (const e of node.entries) {
      if (!allowed.includes(e.key)) {
        const guess = didYouMean(e.key, allowed);
        this.report(
          C.unknownKey,
          e.keyPos,
          path === '' ? e.key : `${path}.${e.key}`,
          `unknown key \`${e.key}\``,
          `one of ${allowed.join(', ')}`,
          guess ? `did you mean \`${guess}\`?` : `allowed keys here: ${allowed.join(', ')}`,
        );
        continue;
      }
      out.set(e.key, e);
    }
    return out;
  }

  require(entries: Map<string, LocatedEntry>, key: string, parentPos: Position, path: string, expected: string): LocatedEntry | undefined {
    const e = entries.get(key);
    if (!e) this.report(C.missingKey, parentPos, path === '' ? key : `${path}.${key}`, `missing required key \`${key}\``, expected);
    return e;
  }

  string(node: LocatedNode, path: string): string | undefined {
    if (node.kind !== 'scalar' || typeof node.value !== 'string') return this.wrongType(node, path, 'a string');
    return node.value;
  }

  boolean(node: LocatedNode, path: string): boolean | undefined {
    if (node.kind !== 'scalar' || typeof node.value !== 'boolean') return this.wrongType(node, path, 'a boolean (true or false)');
    return node.value;
  }

  number(node: LocatedNode, path: string, limits?: { min: number; max: number; integer?: boolean }): number | undefined {
    const integer = limits?.integer ?? false;
    const expected = limits ? `${integer ? 'an integer' : 'a number'} from ${limits.min} to ${limits.max}` : 'a number';
    if (node.kind !== 'scalar' || typeof node.value !== 'number') return this.wrongType(node, path, expected);
    const v = node.value;
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || (limits && (v < limits.min || v > limits.max))) {
      this.report(C.outOfRange, node.pos, path, `expected ${limits ? expected : 'a finite number'}, got ${describeScalar(v)}`, expected);
      return undefined;
    }
    return v;
  }

  oneOf<T extends string>(node: LocatedNode, path: string, allowed: readonly T[], hint?: string): T | undefined {
    const expected = `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
    if (node.kind !== 'scalar' || typeof node.value !== 'string') return this.wrongType(node, path, expected, hint);
    const v = node.value;
    if (!(allowed as readonly string[]).includes(v)) {
      const guess = didYouMean(v, allowed);
      this.report(
        C.invalidValue,
        node.pos,
        path,
        `expected ${expected}, got ${describeScalar(v)}`,
        expected,
        guess ? `did you mean ${JSON.stringify(guess)}?` : hint,
      );
      return undefined;
    }
    return v as T;
  }

  /** `{ batches: n }` or `{ epochs: n }`, exactly one. */
  schedule(node: LocatedNode, path: string, min: number): Schedule | undefined {
    const entries = this.map(node, path, POLICY_KEYS.schedule);
    if (!entries) return undefined;
    const b = entries.get('batches');
    const ep = entries.get('epochs');
    if (b && ep) {
      this.report(C.exclusiveKeys, ep.keyPos, `${path}.epochs`, 'set either `batches` or `epochs`, not both', 'exactly one of batches, epochs');
      return undefined;
    }
    const e = b ?? ep;
    if (!e) {
      if (node.kind === 'map' && node.entries.length === 0) {
        this.report(C.missingKey, node.pos, path, 'expected `batches: N` or `epochs: N`', 'exactly one of batches, epochs');
      }
      return undefined;
    }
    const limits = { min, max: POLICY_LIMITS.every.max, integer: true };
    const n = this.number(e.value, `${path}.${e.key}`, limits);
    if (n === undefined) return undefined;
    return e.key === 'batches' ? { batches: n } : { epochs: n };
  }

  metricName(node: LocatedNode, path: string, allowLayerSuffix: boolean): string | undefined {
    const name = this.string(node, path);
    if (name === undefined) return undefined;
    const [base, layer, ...more] = name.split('@');
    if (!allowLayerSuffix && layer !== undefined) {
      this.report(
        C.invalidValue,
        node.pos,
        path,
        `metric names have no \`@layer\` suffix, got ${describeScalar(name)}`,
        'a registered metric name',
        `write \`metric: ${base}\` and \`layer: ${layer}\``,
      );
      return undefined;
    }
    if (base === undefined || !isKnownMetric(base)) {
      const guess = didYouMean(
        base ?? '',
        listMetrics().map((m) => m.name),
      );
      this.report(
        C.unknownMetric,
        node.pos,
        path,
        `unknown metric ${describeScalar(base ?? name)}`,
        'a registered metric name',
        guess
          ? `did you mean \`${guess}\`?`
          : 'see `listMetrics()` or the README metric table; plugins must register their metrics before the policy is loaded',
      );
      return undefined;
    }
    if (more.length > 0 || layer === '' || (layer !== undefined && !LAYER_NAME.test(layer))) {
      this.report(C.invalidValue, node.pos, path, `expected \`metric\` or \`metric@layer\`, got ${describeScalar(name)}`);
      return undefined;
    }
    return name;
  }
}

function readCheck(r: LayerReader, node: LocatedNode): PolicyLayer['check'] {
  const out: { -readonly [K in keyof Policy['check']]?: Policy['check'][K] } = {};
  const entries = r.map(node, 'check', POLICY_KEYS.check);
  if (!entries) return out;
  for (const [key, e] of entries) {
    const path = `check.${key}`;
    const v = e.value;
    if (key === 'every') {
      const s = r.schedule(v, path, POLICY_LIMITS.every.min);
      if (s) out.every = s;
    } else if (key === 'warmup') {
      const s = r.schedule(v, path, POLICY_LIMITS.warmup.min);
      if (s) out.warmup = s;
    } else if (key === 'rank') {
      const n = r.number(v, path, { ...POLICY_LIMITS.rank, integer: true });
      if (n !== undefined) out.rank = n;
    } else if (key === 'batchSize') {
      const n = r.number(v, path, { ...POLICY_LIMITS.batchSize, integer: true });
      if (n !== undefined) out.batchSize = n;
    } else if (key === 'pooling') {
      const p = r.oneOf(v, path, POLICY_ENUMS.pooling);
      if (p) out.pooling = p;
    } else if (key === 'layers') {
      if (v.kind === 'scalar' && v.value === 'auto') {
        out.layers = 'auto';
      } else if (v.kind !== 'seq' || v.items.length === 0) {
        r.wrongType(v, path, '`auto` or a non-empty list of layer names');
      } else {
        const names: string[] = [];
        v.items.forEach((item, i) => {
          const n = r.string(item, `${path}[${i}]`);
          if (n === undefined) return;
          if (!LAYER_NAME.test(n)) r.report(C.invalidValue, item.pos, `${path}[${i}]`, `expected a layer name (no \`@\`, not blank), got ${describeScalar(n)}`);
          else if (names.includes(n))
            r.report(C.invalidValue, item.pos, `${path}[${i}]`, `layer ${describeScalar(n)} is listed twice`, undefined, 'remove the repeated entry');
          else names.push(n);
        });
        out.layers = names;
      }
    }
  }
  return out;
}

function readCheckpoint(r: LayerReader, node: LocatedNode): PolicyLayer['checkpoint'] {
  const out: { -readonly [K in keyof Policy['checkpoint']]?: Policy['checkpoint'][K] } = {};
  const entries = r.map(node, 'checkpoint', POLICY_KEYS.checkpoint);
  if (!entries) return out;
  for (const [key, e] of entries) {
    const path = `checkpoint.${key}`;
    const v = e.value;
    const isNull = v.kind === 'scalar' && v.value === null;
    if (key === 'keep') {
      const n = r.number(v, path, { ...POLICY_LIMITS.keep, integer: true });
      if (n !== undefined) out.keep = n;
    } else if (key === 'every') {
      if (isNull) {
        out.every = null;
        continue;
      }
      const m = r.map(v, path, POLICY_KEYS.checkpointEvery);
      if (!m) continue;
      const c = r.require(m, 'checks', v.pos, path, 'an integer');
      const n = c ? r.number(c.value, `${path}.checks`, { ...POLICY_LIMITS.checkpointEvery, integer: true }) : undefined;
      if (n !== undefined) out.every = { checks: n };
    } else if (key === 'keepBest') {
      if (isNull) {
        out.keepBest = null;
        continue;
      }
      const m = r.map(v, path, POLICY_KEYS.keepBest);
      if (!m) continue;
      const me = r.require(m, 'metric', v.pos, path, 'a metric name, optionally `metric@layer`');
      const metric = me ? r.metricName(me.value, `${path}.metric`, true) : undefined;
      const modeEntry = m.get('mode');
      let mode = modeEntry ? r.oneOf(modeEntry.value, `${path}.mode`, POLICY_ENUMS.mode) : undefined;
      if (!modeEntry && metric !== undefined) {
        const better = metricInfo(metric.split('@')[0] ?? '')?.better;
        if (better) mode = better === 'higher' ? 'max' : 'min';
        else
          r.report(
            C.missingKey,
            v.pos,
            `${path}.mode`,
            `missing required key \`mode\`: metric \`${metric}\` has no registered better direction`,
            '"min" or "max"',
          );
      }
      if (metric !== undefined && mode !== undefined) out.keepBest = { metric, mode };
    }
  }
  return out;
}

function readAnnotations(r: LayerReader, node: LocatedNode, path: string): Record<string, string> | undefined {
  if (node.kind !== 'map') return r.wrongType(node, path, 'a mapping of strings');
  const out: Record<string, string> = {};
  for (const e of node.entries) {
    const s = r.string(e.value, `${path}.${e.key}`);
    if (s !== undefined) out[e.key] = s;
  }
  return out;
}

function readRule(r: LayerReader, node: LocatedNode, index: number): RuleEntry | undefined {
  const path = `rules[${index}]`;
  const before = r.problems.length;
  const m = r.map(node, path, POLICY_KEYS.rule);
  if (!m) return undefined;
  const nameEntry = r.require(m, 'name', node.pos, path, 'a rule name');
  const name = nameEntry ? r.string(nameEntry.value, `${path}.name`) : undefined;
  if (name !== undefined && !RULE_NAME.test(name)) {
    r.report(
      C.invalidValue,
      nameEntry!.value.pos,
      `${path}.name`,
      `expected a rule name of letters, digits, \`_\`, \`.\`, \`-\`, got ${describeScalar(name)}`,
      'a name like `alignment-drop`',
    );
  }
  const enabledEntry = m.get('enabled');
  const enabled = enabledEntry ? r.boolean(enabledEntry.value, `${path}.enabled`) : POLICY_DEFAULTS.rule.enabled;
  if (enabled === undefined) return undefined; // unknown intent: checking the other keys would only add noise
  if (enabled === false) {
    // `{ name, enabled: false }` removes an inherited rule; other keys would be misleading.
    for (const [key, e] of m) {
      if (key !== 'name' && key !== 'enabled')
        r.report(
          C.unknownKey,
          e.keyPos,
          `${path}.${key}`,
          `\`${key}\` has no effect on a rule with \`enabled: false\``,
          undefined,
          'a disabled entry only names the inherited rule to remove; delete this key',
        );
    }
    return r.problems.length === before && name !== undefined ? { name, index, pos: node.pos, rule: null } : undefined;
  }

  const { metric, op, threshold } = readComparison(r, m, node.pos, path);
  const actionsEntry = r.require(m, 'actions', node.pos, path, 'a list of action names');
  const actions: string[] = [];
  const actionOptions: Record<string, Record<string, number>> = {};
  if (actionsEntry) {
    const v = actionsEntry.value;
    if (v.kind !== 'seq') {
      r.wrongType(
        v,
        `${path}.actions`,
        'a list of action names (may be empty)',
        v.kind === 'scalar' && typeof v.value === 'string' ? `write \`actions: [${v.value}]\`` : undefined,
      );
    } else {
      v.items.forEach((item, i) => {
        const p = `${path}.actions[${i}]`;
        const read = readAction(r, item, p);
        if (read === undefined) return;
        const [a, namePos, params] = read;
        if (!isKnownAction(a)) {
          const guess = didYouMean(
            a,
            listActions().map((x) => x.name),
          );
          r.report(
            C.unknownAction,
            namePos,
            p,
            `unknown action ${describeScalar(a)}`,
            'a registered action name',
            guess
              ? `did you mean \`${guess}\`?`
              : `known actions: ${listActions()
                  .map((x) => x.name)
                  .join(', ')}`,
          );
        } else if (actions.includes(a)) {
          r.report(C.invalidValue, item.pos, p, `action \`${a}\` is listed twice`, undefined, 'remove the repeated entry');
        } else {
          actions.push(a);
          const options = readActionParams(r, a, params, p);
          if (options) actionOptions[a] = options;
        }
      });
    }
  }
  const layerEntry = m.get('layer');
  let layer: string | undefined;
  if (layerEntry) {
    layer = r.string(layerEntry.value, `${path}.layer`);
    if (layer !== undefined && !LAYER_NAME.test(layer)) {
      r.report(C.invalidValue, layerEntry.value.pos, `${path}.layer`, `expected a layer name (no \`@\`, not blank), got ${describeScalar(layer)}`);
    } else if (layer !== undefined && metric !== undefined && metricInfo(metric)?.perLayer === false) {
      r.report(C.metricNotPerLayer, layerEntry.keyPos, `${path}.layer`, `metric \`${metric}\` has no per-layer values`, undefined, 'remove `layer`');
    }
  }
  const relEntry = m.get('relativeTo');
  const relativeTo = relEntry ? r.oneOf(relEntry.value, `${path}.relativeTo`, POLICY_ENUMS.relativeTo) : POLICY_DEFAULTS.rule.relativeTo;
  const forEntry = m.get('for');
  const forChecks = forEntry ? r.number(forEntry.value, `${path}.for`, { ...POLICY_LIMITS.for, integer: true }) : POLICY_DEFAULTS.rule.for;
  const unlessEntry = m.get('unless');
  const read = unlessEntry ? readConditions(r, unlessEntry.value, `${path}.unless`) : { conditions: [], layerPos: [] };
  const unless = read?.conditions;
  const sevEntry = m.get('severity');
  const severity = sevEntry ? r.oneOf(sevEntry.value, `${path}.severity`, POLICY_ENUMS.severity) : POLICY_DEFAULTS.rule.severity;
  const annEntry = m.get('annotations');
  const annotations = annEntry ? readAnnotations(r, annEntry.value, `${path}.annotations`) : { ...POLICY_DEFAULTS.rule.annotations };

  if (
    r.problems.length !== before ||
    name === undefined ||
    metric === undefined ||
    op === undefined ||
    threshold === undefined ||
    relativeTo === undefined ||
    forChecks === undefined ||
    severity === undefined ||
    annotations === undefined ||
    unless === undefined
  ) {
    return undefined;
  }
  const rule: Rule = {
    name,
    metric,
    ...(layer !== undefined ? { layer } : {}),
    op,
    threshold,
    relativeTo,
    for: forChecks,
    unless,
    severity,
    actions,
    ...(Object.keys(actionOptions).length > 0 ? { actionOptions } : {}),
    annotations,
  };
  return {
    name,
    index,
    pos: node.pos,
    rule,
    ...(layerEntry ? { layerPos: layerEntry.value.pos } : {}),
    ...(read && read.layerPos.some((p) => p) ? { unlessLayerPos: read.layerPos } : {}),
  };
}

/**
 * One `actions` entry: a name (`rollback`) or a one-key mapping from the name to its parameters
 * (`{ mix: { step: 0.1, max: 0.5 } }`). Returns the name, where it was written, and the parameters node.
 */
function readAction(r: LayerReader, item: LocatedNode, path: string): [string, Position, LocatedNode | undefined] | undefined {
  if (item.kind === 'map') {
    if (item.entries.length !== 1) {
      r.report(
        C.wrongType,
        item.pos,
        path,
        `expected an action name or a mapping with exactly one action name as its key, got a mapping with ${item.entries.length} keys`,
        'an action name, or { name: { parameter: value } }',
        'write each action as its own list item, e.g. `actions: [warn, { mix: { step: 0.1 } }]`',
      );
      return undefined;
    }
    const e = item.entries[0]!;
    return [e.key, e.keyPos, e.value];
  }
  const a = r.string(item, path);
  return a === undefined ? undefined : [a, item.pos, undefined];
}

/** An action's parameters: registered names only, each a number in its range; defaults filled in. */
function readActionParams(r: LayerReader, action: string, node: LocatedNode | undefined, path: string): Record<string, number> | undefined {
  const declared = actionInfo(action)?.params ?? {};
  const names = Object.keys(declared);
  if (node !== undefined && names.length === 0) {
    r.report(C.unknownKey, node.pos, `${path}.${action}`, `action \`${action}\` takes no parameters`, undefined, `write \`${action}\` as a plain name`);
    return undefined;
  }
  if (names.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const [k, info] of Object.entries(declared)) out[k] = info.default;
  if (node === undefined || (node.kind === 'scalar' && node.value === null)) return out;
  const entries = r.map(node, `${path}.${action}`, names);
  if (!entries) return undefined;
  for (const [k, e] of entries) {
    const info = declared[k]!;
    const n = r.number(e.value, `${path}.${action}.${k}`, { min: info.min, max: info.max, ...(info.integer ? { integer: true } : {}) });
    if (n !== undefined) out[k] = n;
  }
  return out;
}

/** The `metric`, `op` and `threshold` every rule and condition has (each required). */
function readComparison(r: LayerReader, m: Map<string, LocatedEntry>, pos: Position, path: string): { metric?: string; op?: Rule['op']; threshold?: number } {
  const metricEntry = r.require(m, 'metric', pos, path, 'a metric name');
  const metric = metricEntry ? r.metricName(metricEntry.value, `${path}.metric`, false) : undefined;
  const opEntry = r.require(m, 'op', pos, path, 'one of "<", "<=", ">", ">="');
  const op = opEntry
    ? r.oneOf(opEntry.value, `${path}.op`, POLICY_ENUMS.op, 'quote the operator, e.g. op: ">" (a bare > starts a YAML block scalar)')
    : undefined;
  const thrEntry = r.require(m, 'threshold', pos, path, 'a number');
  const threshold = thrEntry ? r.number(thrEntry.value, `${path}.threshold`) : undefined;
  return { metric, op, threshold };
}

/** A rule's `unless`: one condition mapping or a list of them, with where each names its layer. */
function readConditions(r: LayerReader, node: LocatedNode, path: string): { conditions: RuleCondition[]; layerPos: (Position | undefined)[] } | undefined {
  const items = node.kind === 'seq' ? node.items.map((item, i) => ({ item, p: `${path}[${i}]` })) : [{ item: node, p: path }];
  const before = r.problems.length;
  const out: RuleCondition[] = [];
  const layerPos: (Position | undefined)[] = [];
  for (const { item, p } of items) {
    const m = r.map(item, p, POLICY_KEYS.condition);
    if (!m) continue;
    const { metric, op, threshold } = readComparison(r, m, item.pos, p);
    const relEntry = m.get('relativeTo');
    const relativeTo = relEntry ? r.oneOf(relEntry.value, `${p}.relativeTo`, POLICY_ENUMS.relativeTo) : POLICY_DEFAULTS.rule.relativeTo;
    const layerEntry = m.get('layer');
    let layer: string | undefined;
    if (layerEntry) {
      layer = r.string(layerEntry.value, `${p}.layer`);
      if (layer !== undefined && !LAYER_NAME.test(layer))
        r.report(C.invalidValue, layerEntry.value.pos, `${p}.layer`, `expected a layer name (no \`@\`, not blank), got ${describeScalar(layer)}`);
      else if (layer !== undefined && metric !== undefined && metricInfo(metric)?.perLayer === false)
        r.report(C.metricNotPerLayer, layerEntry.keyPos, `${p}.layer`, `metric \`${metric}\` has no per-layer values`, undefined, 'remove `layer`');
    }
    if (metric !== undefined && op !== undefined && threshold !== undefined && relativeTo !== undefined) {
      out.push({ metric, ...(layer !== undefined ? { layer } : {}), op, threshold, relativeTo });
      layerPos.push(layerEntry?.value.pos);
    }
  }
  return r.problems.length === before ? { conditions: out, layerPos } : undefined;
}

function readRules(r: LayerReader, node: LocatedNode): RuleEntry[] {
  if (node.kind !== 'seq') {
    r.wrongType(node, 'rules', 'a list of rules');
    return [];
  }
  const out: RuleEntry[] = [];
  const seen = new Map<string, number>();
  node.items.forEach((item, i) => {
    const entry = readRule(r, item, i);
    if (!entry) return;
    const first = seen.get(entry.name);
    if (first !== undefined) {
      r.report(
        C.duplicateRuleName,
        entry.pos,
        `rules[${i}].name`,
        `rule name \`${entry.name}\` is already used by rules[${first}]`,
        'a unique name',
        'rename one of them; to change an inherited rule, write it once with the same name',
      );
      return;
    }
    seen.set(entry.name, i);
    out.push(entry);
  });
  return out;
}

/**
 * Validate one file's located tree against the format, collecting every problem into `problems`.
 * Cross-file checks (rule layers vs `check.layers`, empty rule set, `enabled: false` of an
 * unknown rule) happen after merging, in `resolvePolicyLayers`.
 */
export function validatePolicyLayer(root: LocatedNode | null, file: string, problems: PolicyProblem[]): PolicyLayer | undefined {
  const r = new LayerReader(file, problems);
  if (root === null) {
    r.report(C.wrongType, { line: 1, col: 1 }, '', 'expected a mapping with `version: 1`, got an empty document', 'a mapping');
    return undefined;
  }
  const entries = r.map(root, '', POLICY_KEYS.root);
  if (!entries) return undefined;
  const layer: { -readonly [K in keyof PolicyLayer]: PolicyLayer[K] } = { file, rootPos: root.pos, check: {}, checkpoint: {} };
  const v = r.require(entries, 'version', root.pos, '', 'version: 1');
  if (v && !(v.value.kind === 'scalar' && v.value.value === 1)) {
    r.report(C.unsupportedVersion, v.value.pos, 'version', `expected 1, got ${kindOf(v.value)}`, '1', 'this em-guard reads policy format version 1');
  }
  const ext = entries.get('extends');
  if (ext) {
    const s = r.string(ext.value, 'extends');
    if (s !== undefined) layer.extends = { value: s, pos: ext.value.pos };
  }
  const check = entries.get('check');
  if (check) layer.check = readCheck(r, check.value);
  const checkpoint = entries.get('checkpoint');
  if (checkpoint) layer.checkpoint = readCheckpoint(r, checkpoint.value);
  const rules = entries.get('rules');
  if (rules) layer.rules = readRules(r, rules.value);
  return layer;
}
