// evaluatePolicy semantics: `for`, warmup, baseline-relative thresholds, null/missing/non-finite
// metrics, per-layer keys, operators at the boundary, and purity.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPolicyState, evaluatePolicy } from '../src/policy/evaluatePolicy.js';
import { parsePolicy } from '../src/policy/loadPolicy.js';
import type { MetricSnapshot, Policy, PolicyState } from '../src/policy/types.js';

function policy(rules: string, check = ''): Policy {
  return parsePolicy(`version: 1\n${check}rules:\n${rules}`);
}

function rule(name: string, metric: string, op: string, threshold: number, extra = ''): string {
  return `  - { name: ${name}, metric: ${metric}, op: "${op}", threshold: ${threshold}, actions: [warn]${extra} }\n`;
}

/** Run a sequence of snapshots, returning per-check decision rule names, notices and the final state. */
function run(p: Policy, snaps: MetricSnapshot[], baseline?: MetricSnapshot) {
  let state: PolicyState = createPolicyState(p, baseline);
  const fired: string[][] = [];
  const notices: string[][] = [];
  const all = [];
  for (const s of snaps) {
    const r = evaluatePolicy(p, state, s);
    state = r.state;
    fired.push(r.decisions.map((d) => d.rule));
    notices.push(r.notices.map((n) => `${n.code}:${n.rule}`));
    all.push(r);
  }
  return { fired, notices, state, all };
}

const snap = (step: number, values: Record<string, number | null>, epoch = 0): MetricSnapshot => ({ step, epoch, values });

test('`for`: fires once the condition held N consecutive checks, on every such check; a clear check resets', () => {
  const p = policy(rule('d', 'drift.eval', '>', 0.5, ', for: 2'));
  const values = [0.6, 0.4, 0.6, 0.7, 0.8, 0.1, 0.9];
  const { fired, all } = run(
    p,
    values.map((v, i) => snap((i + 1) * 10, { 'drift.eval': v })),
  );
  assert.deepEqual(fired, [[], [], [], ['d'], ['d'], [], []]);
  assert.deepEqual(
    all.map((r) => r.state.consecutive.d),
    [1, 0, 1, 2, 3, 0, 1],
  );
  assert.equal(all[4]?.decisions[0]?.consecutive, 3);
});

test('operators at the boundary: value equal to the threshold', () => {
  const p = policy(rule('lt', 'loss', '<', 1, '') + rule('le', 'loss', '<=', 1, '') + rule('gt', 'loss', '>', 1, '') + rule('ge', 'loss', '>=', 1, ''));
  assert.deepEqual(run(p, [snap(1, { loss: 1 })]).fired, [['le', 'ge']]);
  assert.deepEqual(run(p, [snap(1, { loss: 0.999 })]).fired, [['lt', 'le']]);
});

test('warmup in batches: counting continues, nothing fires while step < warmup.batches', () => {
  const p = policy(rule('d', 'drift.eval', '>', 0.5, ', for: 2'), 'check: { every: { batches: 25 }, warmup: { batches: 100 } }\n');
  const { fired, all } = run(
    p,
    [25, 50, 75, 100, 125].map((s) => snap(s, { 'drift.eval': 0.9 })),
  );
  assert.deepEqual(fired, [[], [], [], ['d'], ['d']]);
  assert.equal(all[3]?.decisions[0]?.consecutive, 4); // the streak includes the warmup checks
});

test('warmup in epochs: nothing fires while epoch < warmup.epochs (epochs are zero-based)', () => {
  const p = policy(rule('d', 'drift.eval', '>', 0.5), 'check: { warmup: { epochs: 1 } }\n');
  const { fired } = run(p, [snap(10, { 'drift.eval': 0.9 }, 0), snap(20, { 'drift.eval': 0.9 }, 0), snap(30, { 'drift.eval': 0.9 }, 1)]);
  assert.deepEqual(fired, [[], [], ['d']]);
});

test('relativeTo baseline: effective threshold = baseline + offset, shown in the summary', () => {
  const p = policy(rule('align', 'alignment.score', '<', -0.1, ', relativeTo: baseline, for: 2'));
  const base = snap(0, { 'alignment.score': 0.8 });
  const { fired, all } = run(p, [snap(50, { 'alignment.score': 0.72 }), snap(100, { 'alignment.score': 0.65 }), snap(150, { 'alignment.score': 0.62 })], base);
  assert.deepEqual(fired, [[], [], ['align']]);
  const d = all[2]!.decisions[0]!;
  assert.ok(Math.abs(d.threshold - 0.7) < 1e-12);
  assert.equal(d.value, 0.62);
  assert.equal(d.summary, 'alignment.score 0.62 < 0.7 (baseline 0.8 − 0.1) for 2 checks at step 150');
  // A positive offset reads "+".
  const up = policy(rule('proj', 'alignment.projection', '>', 0.25, ', relativeTo: baseline'));
  const r = run(up, [snap(7, { 'alignment.projection': 2 })], snap(0, { 'alignment.projection': 1.5 }));
  assert.equal(r.all[0]?.decisions[0]?.summary, 'alignment.projection 2 > 1.75 (baseline 1.5 + 0.25) for 1 check at step 7');
});

test('missing baseline: the relative rule never fires and says so once', () => {
  const p = policy(rule('align', 'alignment.score', '<', -0.1, ', relativeTo: baseline') + rule('loss', 'loss', '>', 10));
  const snaps = [snap(1, { 'alignment.score': 0, loss: 11 }), snap(2, { 'alignment.score': 0, loss: 11 })];
  const none = run(p, snaps);
  assert.deepEqual(none.fired, [['loss'], ['loss']]);
  assert.deepEqual(none.notices, [['baseline-missing:align'], []]);
  const nullBase = run(p, snaps, snap(0, { 'alignment.score': null }));
  assert.deepEqual(nullBase.notices, [['baseline-missing:align'], []]);
  assert.deepEqual(nullBase.fired, [['loss'], ['loss']]);
});

test('null and missing metrics never fire, leave the count unchanged, and are reported once per episode', () => {
  const p = policy(rule('d', 'drift.eval', '>', 0.5, ', for: 2'));
  const seq = [0.9, null, null, 0.9, 0.1, null, undefined, 0.2];
  const { fired, notices, all } = run(
    p,
    seq.map((v, i) => snap(i + 1, v === undefined ? {} : { 'drift.eval': v })),
  );
  assert.deepEqual(fired, [[], [], [], ['d'], [], [], [], []]);
  assert.deepEqual(notices, [[], ['metric-null:d'], [], [], [], ['metric-null:d'], ['metric-missing:d'], []]);
  assert.deepEqual(
    all.map((r) => r.state.consecutive.d),
    [1, 1, 1, 2, 0, 0, 0, 0],
  );
  assert.equal(all[1]?.notices[0]?.metric, 'drift.eval');
});

test('NaN or ±Infinity anywhere is a `nonfinite` breach; the rule on that metric is skipped', () => {
  const p = policy(rule('nan', 'nonfinite', '>', 0) + rule('d', 'drift.eval', '>', 0.5));
  for (const bad of [NaN, Infinity, -Infinity]) {
    const { fired, notices, all } = run(p, [snap(5, { 'drift.eval': bad, loss: 0.3 })]);
    assert.deepEqual(fired, [['nan']]);
    assert.deepEqual(notices, [['metric-nonfinite:d']]);
    assert.equal(all[0]?.decisions[0]?.value, 1);
  }
  // A non-finite value of a metric no rule reads still trips `nonfinite`.
  assert.deepEqual(run(p, [snap(5, { 'cka.eval@dense': NaN, 'drift.eval': 0.1 })]).fired, [['nan']]);
  // The snapshot's own `nonfinite` flag (set by the guard on a NaN loss) counts too; 0 does not.
  assert.deepEqual(run(p, [snap(5, { nonfinite: 1, loss: null })]).fired, [['nan']]);
  assert.deepEqual(run(p, [snap(5, { nonfinite: 0, 'drift.eval': 0.1 })]).fired, [[]]);
  assert.deepEqual(run(p, [snap(5, { 'drift.eval': 0.1 })]).fired, [[]]);
});

test('a rule with `layer` reads `metric@layer`, not the aggregate', () => {
  const p = policy(rule('d2', 'drift.eval', '>', 0.5, ', layer: dense_2') + rule('agg', 'drift.eval', '>', 0.5));
  const { all } = run(p, [snap(3, { 'drift.eval': 0.1, 'drift.eval@dense_1': 0.9, 'drift.eval@dense_2': 0.7 })]);
  const d = all[0]!.decisions;
  assert.deepEqual(
    d.map((x) => [x.rule, x.metric, x.layer, x.value]),
    [['d2', 'drift.eval@dense_2', 'dense_2', 0.7]],
  );
});

test("decisions carry the rule's severity, actions and annotations; evaluation is pure", () => {
  const p = policy(
    '  - { name: c, metric: loss, op: ">", threshold: 1, severity: critical, actions: [checkpoint, abort], annotations: { runbook: "see wiki" } }\n',
  );
  const state = createPolicyState(p);
  const s = snap(9, { loss: 2 }, 1);
  const a = evaluatePolicy(p, state, s);
  const b = evaluatePolicy(p, state, s);
  assert.deepEqual(a, b);
  assert.equal(state.checks, 0);
  assert.equal(state.consecutive.c, 0);
  assert.ok(Object.isFrozen(a.state) && Object.isFrozen(a.state.consecutive));
  assert.equal(a.state.checks, 1);
  assert.deepEqual(
    { ...a.decisions[0] },
    {
      rule: 'c',
      metric: 'loss',
      value: 2,
      threshold: 1,
      op: '>',
      severity: 'critical',
      actions: ['checkpoint', 'abort'],
      step: 9,
      epoch: 1,
      consecutive: 1,
      annotations: { runbook: 'see wiki' },
      summary: 'loss 2 > 1 for 1 check at step 9',
    },
  );
});

test('unless: a holding exception counts as the condition not holding (for restarts); a null or missing exception metric is ignored; relativeTo baseline', () => {
  const p = policy(
    rule(
      'drop',
      'alignment.score',
      '<',
      -0.2,
      ', relativeTo: baseline, for: 2, unless: [{ metric: alignment.projection, op: "<", threshold: 0.1 }, { metric: drift.eval, op: ">", threshold: 0.5, relativeTo: baseline }]',
    ),
  );
  const base: MetricSnapshot = { step: 0, epoch: 0, values: { 'alignment.score': 1, 'alignment.projection': 0, 'drift.eval': 0.1 } };
  const at = (step: number, score: number, projection: number | null, drift?: number): MetricSnapshot => ({
    step,
    epoch: 0,
    values: { 'alignment.score': score, 'alignment.projection': projection, ...(drift === undefined ? {} : { 'drift.eval': drift }) },
  });
  const { fired } = run(
    p,
    [
      at(1, 0.7, 0.3), // holds (1)
      at(2, 0.7, 0.05), // excepted by projection < 0.1: count restarts
      at(3, 0.7, 0.3), // holds (1)
      at(4, 0.7, null), // projection null: the exception is ignored, holds (2) -> fires
      at(5, 0.7, 0.3, 0.7), // drift.eval 0.7 > baseline 0.1 + 0.5: excepted, restarts
      at(6, 0.7, 0.3, 0.55), // 0.55 < 0.6: not excepted, holds (1)
      at(7, 0.7, 0.3), // drift.eval missing: ignored, holds (2) -> fires
    ],
    base,
  );
  assert.deepEqual(fired, [[], [], [], ['drop'], [], [], ['drop']]);
  // Without a baseline value for drift.eval, its baseline-relative exception is ignored.
  const noBase = run(p, [at(1, 0.7, 0.3, 5), at(2, 0.7, 0.3, 5)], { step: 0, epoch: 0, values: { 'alignment.score': 1 } });
  assert.deepEqual(noBase.fired, [[], ['drop']]);
});
