// The bundled configs, the JSON Schema for editors and the README reference agree with the code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadBundledPolicy } from '../src/policy/loadPolicy.js';
import { POLICY_DEFAULTS } from '../src/policy/policyDefaults.js';
import { POLICY_ERROR_CODES } from '../src/policy/policyErrorCodes.js';
import { BUNDLED_POLICIES, POLICY_ENUMS, POLICY_KEYS, POLICY_LIMITS } from '../src/policy/policyKeys.js';
import { BUILTIN_ACTION_NAMES, BUILTIN_METRIC_NAMES, listActions, listMetrics } from '../src/policy/registry.js';

type Schema = {
  [k: string]: unknown;
  properties?: Record<string, Schema>;
  $ref?: string;
  oneOf?: Schema[];
  anyOf?: Schema[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
};
const schema = JSON.parse(readFileSync('configs/policy.schema.json', 'utf8')) as Schema;

function deref(s: Schema): Schema {
  if (!s.$ref) return s;
  const name = s.$ref.replace('#/$defs/', '');
  return deref((schema.$defs as Record<string, Schema>)[name]!);
}

/** The object-shaped alternatives of a schema node (through $ref, oneOf, anyOf). */
function alternatives(s: Schema): Schema[] {
  const d = deref(s);
  const alts = [...(d.oneOf ?? []), ...(d.anyOf ?? [])];
  return alts.length > 0 ? alts.flatMap(alternatives) : [d];
}

/** Every key of `value` must be declared by the schema at that point; returns uncovered paths. */
function uncovered(value: unknown, s: Schema, path: string): string[] {
  if (Array.isArray(value)) {
    const items = alternatives(s).find((a) => a.items)?.items;
    if (!items) return [`${path} (array not allowed)`];
    return value.flatMap((v, i) => uncovered(v, items, `${path}[${i}]`));
  }
  if (value === null || typeof value !== 'object') return [];
  const objects = alternatives(s).filter((a) => a.properties || a.additionalProperties);
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const holder = objects.find((o) => o.properties?.[k]) ?? objects.find((o) => typeof o.additionalProperties === 'object');
    if (!holder) out.push(`${path}.${k}`);
    else out.push(...uncovered(v, holder.properties?.[k] ?? (holder.additionalProperties as Schema), `${path}.${k}`));
  }
  return out;
}

const props = (s: Schema): string[] => Object.keys(alternatives(s).find((a) => a.properties)!.properties!).sort();

test('every key of every bundled config is declared in configs/policy.schema.json', () => {
  for (const name of BUNDLED_POLICIES) {
    const data = parse(readFileSync(`configs/${name}.yaml`, 'utf8')) as unknown;
    assert.deepEqual(uncovered(data, schema, name), [], name);
  }
  // The check itself catches an undeclared key.
  assert.deepEqual(uncovered({ version: 1, check: { rnak: 2 } }, schema, 'x'), ['x.check.rnak']);
});

test('the schema declares exactly the keys, enums, defaults and limits the loader uses', () => {
  const p = schema.properties!;
  assert.deepEqual(Object.keys(p).sort(), [...POLICY_KEYS.root].sort());
  assert.deepEqual(props(p.check!), [...POLICY_KEYS.check].sort());
  assert.deepEqual(props(p.checkpoint!), [...POLICY_KEYS.checkpoint].sort());
  const rule = deref(p.rules!.items!);
  assert.deepEqual(Object.keys(rule.properties!).sort(), [...POLICY_KEYS.rule].sort());
  assert.deepEqual(props(p.checkpoint!.properties!.keepBest!), [...POLICY_KEYS.keepBest].sort());
  for (const key of ['op', 'relativeTo', 'severity'] as const) assert.deepEqual(rule.properties![key]!.enum, POLICY_ENUMS[key]);
  assert.deepEqual(p.check!.properties!.pooling!.enum, POLICY_ENUMS.pooling);
  for (const key of ['rank', 'batchSize', 'pooling', 'layers'] as const) assert.deepEqual(p.check!.properties![key]!.default, POLICY_DEFAULTS.check[key]);
  for (const key of ['for', 'relativeTo', 'severity'] as const) assert.deepEqual(rule.properties![key]!.default, POLICY_DEFAULTS.rule[key]);
  assert.equal(p.checkpoint!.properties!.keep!.default, POLICY_DEFAULTS.checkpoint.keep);
  assert.deepEqual([rule.properties!.for!.minimum, rule.properties!.for!.maximum], [POLICY_LIMITS.for.min, POLICY_LIMITS.for.max]);
  assert.deepEqual([p.check!.properties!.rank!.minimum, p.check!.properties!.rank!.maximum], [POLICY_LIMITS.rank.min, POLICY_LIMITS.rank.max]);
  const defs = schema.$defs as Record<string, Schema>;
  assert.deepEqual(alternatives(defs.metricName!)[0]!.enum, [...BUILTIN_METRIC_NAMES]);
  assert.deepEqual(alternatives(defs.actionName!)[0]!.enum, [...BUILTIN_ACTION_NAMES]);
});

test('bundled configs: every non-blank line carries a comment, and each loads', () => {
  for (const name of BUNDLED_POLICIES) {
    const lines = readFileSync(`configs/${name}.yaml`, 'utf8').split('\n');
    const bare = lines.map((l, i) => [i + 1, l] as const).filter(([, l]) => l.trim() !== '' && !l.includes('#'));
    assert.deepEqual(bare, [], `${name}.yaml has uncommented lines`);
    assert.equal(loadBundledPolicy(name).source, `<bundled:${name}>`);
  }
});

test('README documents every error code, metric, action and key', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Policies'));
  assert.ok(readme.includes('## Policies'));
  for (const code of Object.values(POLICY_ERROR_CODES)) assert.ok(section.includes(`| \`${code}\` |`), `error code ${code}`);
  for (const m of listMetrics().filter((x) => BUILTIN_METRIC_NAMES.includes(x.name))) assert.ok(section.includes(`| \`${m.name}\` |`), `metric ${m.name}`);
  for (const a of listActions().filter((x) => BUILTIN_ACTION_NAMES.includes(x.name))) assert.ok(section.includes(`| \`${a.name}\` |`), `action ${a.name}`);
  const keys = [
    ...POLICY_KEYS.root,
    ...POLICY_KEYS.check.map((k) => `check.${k}`),
    ...POLICY_KEYS.rule.map((k) => `rules[].${k}`),
    ...POLICY_KEYS.checkpoint.map((k) => `checkpoint.${k}`),
  ];
  for (const k of keys) assert.ok(section.includes(`| \`${k}\``), `key ${k}`);
});
