// Issue 11: the guard never does nothing silently. Rules a fit can never evaluate stop `fit`
// before any step (or are said once with `unevaluable: 'warn'`); runtime notices reach pino, the
// `notice` event, run.jsonl and the report; policy objects are validated; the capture-worker
// fallback is said before `fit` returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { emGuard } from '../src/guard/EmGuard.js';
import { UnevaluableRulesError } from '../src/guard/findUnevaluableRules.js';
import type { NoticeEvent } from '../src/guard/guardEvents.js';
import { parsePolicy } from '../src/policy/parsePolicy.js';
import { PolicyError } from '../src/policy/policyError.js';
import { registerMetric } from '../src/policy/registry.js';
import { loadRunsForReport } from '../src/report/loadRunForReport.js';
import { renderRunReport } from '../src/report/renderRunReport.js';
import { readRunLog } from '../src/runlog/RunLog.js';
import { blobs, oneHot, pretrained } from './guardFixtures.js';
import { tempDir, useBackend } from './helpers.js';

await useBackend();

const probeTrain = blobs(32, 9);
const probeEval = blobs(32, 10);
const alignSet = blobs(32, 7);

/** Captures pino lines as parsed objects. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) }), lines };
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

test('the default policy with only train/eval probes rejects before step 1, naming each rule, metric, missing input and fix', async () => {
  const { dir, cleanup } = tempDir();
  const model = await pretrained();
  model.compile({ optimizer: tf.train.sgd(0.05), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(64, 1);
  const y = oneHot(data.labels);
  const before = weightsOf(model);
  try {
    const err = await model
      .fit(data.x, y, {
        epochs: 1,
        batchSize: 8,
        verbose: 0,
        callbacks: [emGuard({ probes: { train: probeTrain.x, eval: probeEval.x }, runDir: join(dir, 'run') })],
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(err instanceof UnevaluableRulesError, `rejected with ${String(err)}`);
    assert.equal(err.code, 'unevaluable-rules');
    assert.deepEqual(
      err.rules.map((r) => [r.code, r.rule, r.metric]),
      [
        ['unevaluable-rule', 'alignment-drop', 'alignment.score'],
        ['unevaluable-rule', 'alignment-collapse', 'alignment.score'],
        ['unevaluable-rule', 'alignment-wobble', 'alignment.score'],
        ['unevaluable-rule', 'misalignment-direction', 'alignment.projection'],
      ],
    );
    assert.match(
      err.message,
      /rule `alignment-drop` reads `alignment\.score`, which needs `probes\.alignment` \(not given\): the rule can never fire\. Fix: give `probes\.alignment: \{ inputs, expected \}`/,
    );
    assert.match(err.message, /enabled: false.*unevaluable: 'warn'/s);
    assert.deepEqual(weightsOf(model), before, 'no step was trained');
    assert.ok(!existsSync(join(dir, 'run')), 'no run directory was created');

    // With alignment probes but no contrast probes, the exception of alignment-drop is named.
    const err2 = await model
      .fit(data.x, y, {
        epochs: 1,
        batchSize: 8,
        verbose: 0,
        callbacks: [
          emGuard({ probes: { train: probeTrain.x, eval: probeEval.x, alignment: { inputs: alignSet.x, expected: alignSet.labels } }, runDir: false }),
        ],
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(err2 instanceof UnevaluableRulesError);
    assert.deepEqual(
      err2.rules.map((r) => [r.code, r.rule, r.metric]),
      [
        ['unevaluable-exception', 'alignment-drop', 'alignment.projection'],
        ['unevaluable-rule', 'misalignment-direction', 'alignment.projection'],
      ],
    );
    assert.match(
      err2.message,
      /rule `alignment-drop`: its exception `unless: alignment\.projection < 0\.1` reads `alignment\.projection`, which needs `probes\.contrast` \(not given\): the exception can never hold/,
    );
    assert.deepEqual(weightsOf(model), before);
    assert.throws(() => emGuard({ probes: { train: probeTrain.x, eval: probeEval.x }, unevaluable: 'loud' as never }), /"error", "warn" or "ignore"/);
  } finally {
    tf.dispose([data.x, y]);
    model.dispose();
    cleanup();
  }
});

test("unevaluable: 'warn' trains with those rules off and says so once per rule (pino warn, notice event, run.jsonl)", async () => {
  const { dir, cleanup } = tempDir();
  const model = await pretrained();
  model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(160, 2);
  const y = oneHot(data.labels);
  const { logger, lines } = capturingLogger();
  const guard = emGuard({ probes: { train: probeTrain.x, eval: probeEval.x }, runDir: dir, unevaluable: 'warn', capture: 'inline', logger });
  const notices: NoticeEvent[] = [];
  let checks = 0;
  guard.on('notice', (n) => notices.push(n));
  guard.on('check', () => checks++);
  try {
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [guard] });
    assert.equal(checks, 4, 'trained and checked on the default cadence');
    const expected = ['alignment-drop', 'alignment-collapse', 'alignment-wobble', 'misalignment-direction'];
    const warnLines = lines.filter((l) => l.event === 'notice');
    assert.deepEqual(
      warnLines.map((l) => [l.level, l.code, l.rule]),
      expected.map((r) => [40, 'unevaluable-rule', r]),
      'one warn line per rule, none again at the checks',
    );
    assert.deepEqual(
      notices.map((n) => [n.code, n.rule, n.step]),
      expected.map((r) => ['unevaluable-rule', r, 0]),
    );
    const records = readRunLog(join(dir, 'run.jsonl')).filter((r) => r.type === 'notice');
    assert.deepEqual(
      records.map((r) => r.type === 'notice' && [r.code, r.rule]),
      expected.map((r) => ['unevaluable-rule', r]),
    );

    // `ignore`: the same fit, silently.
    lines.length = 0;
    await model.fit(data.x, y, {
      epochs: 1,
      batchSize: 8,
      verbose: 0,
      callbacks: [emGuard({ probes: { train: probeTrain.x, eval: probeEval.x }, runDir: false, unevaluable: 'ignore', capture: 'inline', logger })],
    });
    assert.deepEqual(
      lines.filter((l) => l.event === 'notice'),
      [],
    );
  } finally {
    tf.dispose([data.x, y]);
    model.dispose();
    cleanup();
  }
});

test('a runtime notice reaches pino (warn, with its code), the notice event, run.jsonl and the report, once per episode', async () => {
  const { dir, cleanup } = tempDir();
  const model = await pretrained();
  model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(160, 3);
  const y = oneHot(data.labels);
  registerMetric({ name: 'test.flaky', description: 'null from step 10 on', better: 'lower' });
  const flaky = {
    name: 'test.flaky',
    description: 'null from step 10 on',
    compute: (ctx: { step: number }) => (ctx.step < 10 ? { value: 0 } : { value: null, reason: 'the scorer service is down' }),
  };
  const policy = parsePolicy(`version: 1
check: { every: { batches: 5 }, layers: [h1] }
rules:
  - { name: flaky-high, metric: test.flaky, op: ">", threshold: 1, severity: critical, actions: [abort] }
`);
  const { logger, lines } = capturingLogger();
  const guard = emGuard({ probes: { train: probeTrain.x, eval: probeEval.x }, runDir: dir, policy, plugins: { metrics: [flaky] }, logger });
  const notices: NoticeEvent[] = [];
  guard.on('notice', (n) => notices.push(n));
  try {
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [guard] });
    // Null at steps 10, 15, 20: one episode, one notice.
    assert.deepEqual(
      notices.map((n) => [n.code, n.rule, n.metric, n.step]),
      [['metric-null', 'flaky-high', 'test.flaky', 10]],
    );
    const warn = lines.filter((l) => l.event === 'notice');
    assert.equal(warn.length, 1);
    assert.equal(warn[0]!.level, 40);
    assert.equal(warn[0]!.code, 'metric-null');
    assert.match(String(warn[0]!.msg), /rule `flaky-high`: metric `test\.flaky` is null/);
    const records = readRunLog(join(dir, 'run.jsonl')).filter((r) => r.type === 'notice');
    assert.deepEqual(
      records.map((r) => r.type === 'notice' && [r.code, r.step, r.rule]),
      [['metric-null', 10, 'flaky-high']],
    );
    const html = renderRunReport(loadRunsForReport(dir));
    assert.match(html, /<section id="notices"><h2>Notices \(1\)<\/h2>/);
    assert.match(html, /<code>metric-null<\/code><\/td><td><code>flaky-high<\/code>/);
  } finally {
    tf.dispose([data.x, y]);
    model.dispose();
    cleanup();
  }
});

test('a hand-written Policy object is validated with coded problems at paths, not a TypeError', () => {
  const probes = { train: probeTrain.x, eval: probeEval.x };
  const bad = { version: 1, rules: [{ name: 'drift', metric: 'drift.eval', op: '>', treshold: 0.5, actions: ['warn'] }] };
  const err = (() => {
    try {
      emGuard({ probes, policy: bad as never });
      return null;
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof PolicyError, `threw ${String(err)}`);
  assert.deepEqual(
    err.problems.map((p) => [p.code, p.path, p.line]),
    [
      ['missing-key', 'rules[0].threshold', 0],
      ['unknown-key', 'rules[0].treshold', 0],
    ],
  );
  assert.match(err.message, /<Policy object> rules\[0\]\.treshold: unknown key `treshold` \(did you mean `threshold`\?\)/);
  assert.throws(
    () => emGuard({ probes, policy: 42 as never }),
    (e: unknown) => e instanceof PolicyError && e.problems[0]!.code === 'wrong-type',
  );
  assert.throws(
    () => emGuard({ probes, policy: { version: 1, rules: [{ name: 'x', metric: 'nope.metric', op: '>', threshold: 1, actions: [] }] } as never }),
    (e: unknown) => e instanceof PolicyError && e.problems[0]!.code === 'unknown-metric' && e.problems[0]!.path === 'rules[0].metric',
  );
  // A valid hand-written object gets the defaults filled in.
  const g = emGuard({
    probes,
    runDir: false,
    policy: { version: 1, rules: [{ name: 'drift', metric: 'drift.eval', op: '>', threshold: 0.5, actions: ['warn'] }] } as never,
  });
  assert.deepEqual([g.policy.rules[0]!.for, g.policy.rules[0]!.severity, g.policy.check.every], [1, 'warning', { batches: 25 }]);
});

test('the capture-worker fallback line is logged before fit returns, even for a 3-batch fit', async () => {
  class Doubled extends tf.layers.Layer {
    static className = 'EmGuardNoticeTestDoubled';
    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, 2));
    }
  }
  tf.serialization.registerClass(Doubled);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [8], name: 'h1', activation: 'relu' }),
      new Doubled({ name: 'twice' }),
      tf.layers.dense({ units: 4, name: 'out' }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(24, 4);
  const y = oneHot(data.labels);
  const policy = parsePolicy(
    'version: 1\ncheck: { every: { batches: 1 }, layers: [h1, twice] }\nrules:\n  - { name: drift, metric: drift.eval, op: ">", threshold: 100, actions: [warn] }\n',
  );
  try {
    for (const capture of ['auto', 'worker'] as const) {
      const { logger, lines } = capturingLogger();
      const notices: NoticeEvent[] = [];
      const guard = emGuard({ probes: { train: probeTrain.x, eval: probeEval.x }, runDir: false, policy, capture, logger });
      guard.on('notice', (n) => notices.push(n));
      await model.fit(data.x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [guard] });
      const line = lines.find((l) => l.code === 'capture-worker-unavailable');
      assert.ok(line, `${capture}: fallback line logged: ${JSON.stringify(lines)}`);
      assert.equal(line.level, 40);
      assert.match(String(line.msg), /capture worker unavailable \(.*EmGuardNoticeTestDoubled.*\); capturing inline/);
      assert.deepEqual(
        notices.map((n) => n.code),
        ['capture-worker-unavailable'],
      );
      guard.dispose();
    }
  } finally {
    tf.dispose([data.x, y]);
    model.dispose();
  }
});

test('a non-finite loss is checked at once; later finite batches go back to the schedule (nonfinite is per window)', async () => {
  const model = await pretrained();
  let calls = 0;
  // The third batch's loss is +Infinity through a constant (no gradient): the weights stay finite.
  const loss = (yt: tf.Tensor, yp: tf.Tensor) => {
    calls += 1;
    const base = tf.losses.softmaxCrossEntropy(yt, yp);
    return calls === 3 ? tf.add(base, tf.scalar(Infinity)) : base;
  };
  model.compile({ optimizer: tf.train.sgd(0.01), loss });
  const data = blobs(160, 5);
  const y = oneHot(data.labels);
  const policy = parsePolicy(
    'version: 1\ncheck: { every: { batches: 5 }, layers: [h1] }\nrules:\n  - { name: nan, metric: nonfinite, op: ">", threshold: 0, severity: warning, actions: [warn] }\n',
  );
  const guard = emGuard({ probes: { train: probeTrain.x, eval: probeEval.x }, runDir: false, policy, capture: 'inline' });
  const seen: [number, number | null | undefined][] = [];
  guard.on('check', (c) => seen.push([c.step, c.values.nonfinite]));
  try {
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks: [guard] });
    assert.deepEqual(seen, [
      [3, 1],
      [5, 0],
      [10, 0],
      [15, 0],
      [20, 0],
    ]);
  } finally {
    tf.dispose([data.x, y]);
    guard.dispose();
    model.dispose();
  }
});
