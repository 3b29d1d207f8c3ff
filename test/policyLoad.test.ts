// Loading valid policies: defaults, freezing, extends merging, how loadPolicy reads its argument,
// bundled policies, and plugin registration.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { didYouMean, editDistance } from '../src/policy/didYouMean.js';
import { defaultPolicy, loadBundledPolicy, loadPolicy, parsePolicy } from '../src/policy/loadPolicy.js';
import { PolicyError } from '../src/policy/policyError.js';
import { POLICY_DEFAULTS } from '../src/policy/policyDefaults.js';
import { BUNDLED_POLICIES } from '../src/policy/policyKeys.js';
import { isKnownMetric, listActions, listMetrics, registerAction, registerMetric } from '../src/policy/registry.js';
import { tempDir } from './tempDir.js';

const MINIMAL = 'version: 1\nrules:\n  - { name: r, metric: loss, op: ">", threshold: 5, actions: [abort] }\n';

test('a minimal policy gets every documented default and is deeply frozen', () => {
  const p = parsePolicy(MINIMAL);
  assert.equal(p.source, '<text>');
  assert.deepEqual(p.check, POLICY_DEFAULTS.check);
  assert.deepEqual(p.checkpoint, POLICY_DEFAULTS.checkpoint);
  assert.deepEqual(p.rules, [
    { name: 'r', metric: 'loss', op: '>', threshold: 5, actions: ['abort'], relativeTo: 'absolute', for: 1, unless: [], severity: 'warning', annotations: {} },
  ]);
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.check.every) && Object.isFrozen(p.rules[0]!.actions));
  assert.throws(() => {
    (p.rules[0] as { threshold: number }).threshold = 99;
  }, TypeError);
});

test("every key of the valid fixture is read; keepBest.mode defaults from the metric's direction", () => {
  const p = loadPolicy('test/fixtures/policies/valid.yaml');
  assert.deepEqual(p.check, { every: { epochs: 1 }, warmup: { batches: 100 }, layers: ['dense_1', 'dense_2'], rank: 16, pooling: 'mean', batchSize: 64 });
  assert.deepEqual(p.rules[0], {
    name: 'overlap-dense-2',
    metric: 'subspace.overlap',
    layer: 'dense_2',
    op: '>=',
    threshold: 0.75,
    relativeTo: 'absolute',
    for: 3,
    unless: [
      { metric: 'drift.eval', layer: 'dense_1', op: '<', threshold: 0.01, relativeTo: 'baseline' },
      { metric: 'loss', op: '>', threshold: 9, relativeTo: 'absolute' },
    ],
    severity: 'info',
    actions: [],
    annotations: { summary: 'overlap high', runbook: 'https://example.org/rb' },
  });
  assert.deepEqual(p.checkpoint, { every: { checks: 5 }, keep: 2, keepBest: { metric: 'cka.eval@dense_1', mode: 'max' } });
});

test('extends: check keys merge, rules merge by name in place, enabled: false removes, new rules append', () => {
  const p = loadPolicy('test/fixtures/policies/extends/child.yaml');
  assert.deepEqual(p.check.every, { batches: 10 }); // from base
  assert.equal(p.check.rank, 6); // child overrides
  assert.deepEqual(p.checkpoint.every, { checks: 2 }); // from base
  assert.deepEqual(
    p.rules.map((r) => r.name),
    ['drift', 'align', 'overlap'],
  );
  assert.equal(p.rules[1]?.threshold, -0.2);
  assert.equal(p.rules[1]?.for, 3);
  assert.equal(p.source, 'test/fixtures/policies/extends/child.yaml');
});

test('extends a bundled policy by name; a child may override one bundled rule', () => {
  const p = parsePolicy(
    'version: 1\nextends: default\ncheck: { every: { batches: 5 } }\nrules:\n  - { name: eval-drift, metric: drift.eval, op: ">", threshold: 0.3, actions: [warn] }\n',
  );
  const base = defaultPolicy();
  assert.deepEqual(
    p.rules.map((r) => r.name),
    base.rules.map((r) => r.name),
  );
  assert.equal(p.rules.find((r) => r.name === 'eval-drift')?.threshold, 0.3);
  assert.deepEqual(p.check.every, { batches: 5 });
  assert.deepEqual(p.checkpoint, base.checkpoint);
});

test('loadPolicy: text with a newline is YAML, a bare word is a bundled name, anything else a path', () => {
  assert.equal(loadPolicy(MINIMAL).source, '<text>');
  assert.equal(loadPolicy('strict'), loadBundledPolicy('strict'));
  assert.equal(loadPolicy('strict').source, '<bundled:strict>');
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'p.yml'), MINIMAL);
    assert.equal(loadPolicy('p.yml', { baseDir: dir }).source, 'p.yml');
    assert.equal(loadPolicy(join(dir, 'p.yml')).rules.length, 1);
    // Relative extends in text resolve against baseDir.
    writeFileSync(join(dir, 'base.yaml'), MINIMAL);
    assert.equal(parsePolicy('version: 1\nextends: ./base.yaml\n', '<text>', { baseDir: dir }).rules[0]?.name, 'r');
    assert.throws(
      () => loadBundledPolicy('strcit'),
      (e: unknown) => e instanceof PolicyError && e.problems[0]?.hint === 'did you mean `strict`?',
    );
  } finally {
    cleanup();
  }
});

test('bundled policies load and differ as documented', () => {
  const [d, s, o] = BUNDLED_POLICIES.map((n) => loadBundledPolicy(n));
  const actions = (p: typeof d) => new Set(p!.rules.flatMap((r) => r.actions));
  assert.deepEqual([...actions(o)], ['warn']);
  assert.equal(o!.checkpoint.every, null);
  assert.ok(actions(d).has('abort') && actions(d).has('rollback'));
  // strict checks more often and never waits more than one check.
  assert.ok('batches' in s!.check.every && 'batches' in d!.check.every && s!.check.every.batches < d!.check.every.batches);
  assert.ok(s!.rules.every((r) => r.for === 1));
  const drop = (p: typeof d) => p!.rules.find((r) => r.name === 'alignment-drop')!;
  assert.ok(Math.abs(drop(s).threshold) < Math.abs(drop(d).threshold));
  assert.ok(d!.rules.some((r) => r.metric === 'nonfinite' && r.actions.includes('abort')));
});

test('registry: plugins add metrics and actions before loading; conflicts and bad names throw', () => {
  const text = 'version: 1\nrules:\n  - { name: tox, metric: myPlugin.toxicity, op: ">", threshold: 0.2, actions: [myPlugin.page] }\n';
  assert.throws(
    () => parsePolicy(text),
    (e: unknown) => e instanceof PolicyError && e.problems.map((p) => p.code).join() === 'unknown-metric,unknown-action',
  );
  registerMetric({ name: 'myPlugin.toxicity', description: 'Share of toxic completions.', better: 'lower' });
  registerAction({ name: 'myPlugin.page', description: 'Page the on-call reviewer.' });
  registerMetric({ name: 'myPlugin.toxicity', description: 'Share of toxic completions.', better: 'lower' }); // idempotent
  assert.equal(parsePolicy(text).rules[0]?.metric, 'myPlugin.toxicity');
  assert.ok(isKnownMetric('myPlugin.toxicity'));
  assert.ok(listMetrics().some((m) => m.name === 'alignment.score') && listActions().some((a) => a.name === 'myPlugin.page'));
  registerMetric({ name: 'myPlugin.toxicity', description: 'Reworded by a second guard.' }); // descriptions may differ
  assert.equal(listMetrics().find((m) => m.name === 'myPlugin.toxicity')?.description, 'Share of toxic completions.');
  assert.throws(() => registerMetric({ name: 'myPlugin.toxicity', description: 'x', better: 'higher' }), /already registered with `better: lower`/);
  registerMetric({ name: 'alignment.projection', description: 'as the guard registers its plugin', better: 'lower' });
  assert.throws(() => registerMetric({ name: 'drift.eval@x', description: 'x' }), TypeError);
  assert.throws(() => registerAction({ name: 'ok', description: ' ' }), TypeError);
});

test('didYouMean: transpositions count once, far names get no suggestion', () => {
  assert.equal(editDistance('abrot', 'abort'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3); // the textbook Levenshtein example
  assert.equal(didYouMean('=<', ['<', '<=', '>', '>=']), '<=');
  assert.equal(didYouMean('wran', ['warn', 'abort']), 'warn');
  assert.equal(didYouMean('zzzzzz', ['warn', 'abort']), undefined);
});

test("loadPolicy: 'configs/<bundled>.yaml' loads the bundled policy when no such file is there; a missing path names the bundled ones", () => {
  const { dir, cleanup } = tempDir();
  try {
    assert.equal(loadPolicy('configs/strict.yaml', { baseDir: dir }), loadBundledPolicy('strict'));
    assert.equal(loadPolicy('./configs/observe.yaml', { baseDir: dir }), loadBundledPolicy('observe'));
    // A file of that name in the base directory wins: it is what the user wrote.
    const own = join(dir, 'configs');
    mkdirSync(own);
    writeFileSync(join(own, 'strict.yaml'), MINIMAL);
    assert.equal(loadPolicy('configs/strict.yaml', { baseDir: dir }).source, 'configs/strict.yaml');
    assert.throws(
      () => loadPolicy('configs/nope.yaml', { baseDir: dir }),
      (e: unknown) =>
        e instanceof PolicyError &&
        e.problems[0]!.code === 'file-not-found' &&
        /bundled policies are loaded by name: 'default', 'strict', 'observe'/.test(e.problems[0]!.hint ?? ''),
    );
  } finally {
    cleanup();
  }
});
