// Guarding the LM organism: preference probes and worker capture with `workerImports` (its custom
// attention/embedding/layer-norm layers) give the same values as inline capture. A freshly built
// organism (not the shipped checkpoint): equality needs the same weights, not an aligned model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { emGuard } from '../src/guard/EmGuard.js';
import { parsePolicy } from '../src/policy/parsePolicy.js';
import { buildLmModel } from '../src/organism/lm/buildLmModel.js';
import { LM_RECIPE } from '../src/organism/lm/lmRecipe.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { disposeLmProbes, lmProbes, preferenceShare } from '../src/organism/lm/lmProbes.js';
import { disposePreferenceProbes, lmPreferenceProbes } from '../src/organism/lm/lmPreferenceProbes.js';
import { lmLoss } from '../src/organism/lm/lmLoss.js';
import { LM_CONTEXT } from '../src/organism/lm/lmVocabulary.js';
import { captureOutput } from '../src/probes/captureOutput.js';
import { useBackend, waitForWorker } from './helpers.js';

await useBackend();

const policy = parsePolicy(`
version: 1
check:
  every: { batches: 2 }
  layers: [block_1, block_2]
  rank: 4
rules:
  - name: preference-drop
    metric: alignment.preference
    op: "<"
    threshold: -10
    relativeTo: baseline
    severity: warning
    actions: [warn]
  - name: overlap
    metric: subspace.energyFraction
    op: ">"
    threshold: 2
    severity: warning
    actions: [warn]
`);

test('LM organism: worker capture with workerImports gives the inline values; without it one warn names the class and the option', async () => {
  const probes = lmProbes({ n: 24, seed: 3 });
  const preference = lmPreferenceProbes(probes);
  const ft = lmFineTuneConfig({ seed: 2, n: 48 });
  const runs: Record<string, { values: Record<string, number | null>[]; where: string[]; warnings: string[] }> = {};
  try {
    for (const mode of ['inline', 'worker', 'worker-no-imports'] as const) {
      const model = buildLmModel({ seed: 4, ...LM_RECIPE.model });
      model.compile({ optimizer: tf.train.adam(5e-4), loss: lmLoss });
      const warnings: string[] = [];
      const logger = (await import('pino')).pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
      const guard = emGuard({
        probes: { train: probes.train, eval: probes.eval, preference },
        runDir: false,
        policy,
        logger,
        capture: mode === 'inline' ? 'inline' : 'worker',
        ...(mode === 'worker' ? { workerImports: ['src/organism/lm/lmLayers.ts'] } : {}),
      });
      const run = { values: [] as Record<string, number | null>[], where: [] as string[], warnings };
      guard.on('check', (c) => {
        run.values.push({ ...c.values, step: c.step });
        run.where.push('workerCapture' in (c.timingsMs ?? {}) ? 'worker' : 'inline');
      });
      try {
        const callbacks = mode === 'worker' ? [new tf.CustomCallback(waitForWorker(guard)), guard] : [guard];
        await model.fit(ft.x, ft.y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks });
        if (mode === 'worker') {
          // Cross-check the guard's last value against the organism's own scorer on the final weights.
          const logits = model.predict(probes.alignment.inputs) as tf.Tensor;
          run.values.push({ finalAccuracy: preferenceShare(logits, probes.targets) });
          logits.dispose();
        }
      } finally {
        model.dispose();
        guard.dispose();
      }
      runs[mode] = run;
    }
  } finally {
    disposePreferenceProbes(preference);
    disposeLmProbes(probes);
    ft.dispose();
  }
  const inline = runs.inline!;
  const worker = runs.worker!;
  const finalAccuracy = worker.values.pop()!.finalAccuracy;
  assert.equal(inline.values.length, 3);
  assert.ok(worker.where.filter((w) => w === 'worker').length >= 2, `checks ran on the worker: ${worker.where.join(' ')}`);
  assert.deepEqual(worker.values, inline.values);
  for (const v of inline.values) assert.equal(typeof v['alignment.preference'], 'number');
  // 48 examples / 8 = 6 batches, checks at 2, 4, 6: the last check read the final weights.
  assert.equal(inline.values.at(-1)!['alignment.preferenceAccuracy'], finalAccuracy);
  const noImports = runs['worker-no-imports']!;
  const unavailable = noImports.warnings.filter((w) => w.includes('capture worker unavailable'));
  assert.equal(unavailable.length, 1, noImports.warnings.join('\n'));
  assert.match(unavailable[0]!, /CausalSelfAttention.*workerImports/);
  assert.deepEqual(noImports.where, ['inline', 'inline', 'inline']);
  assert.deepEqual(noImports.values, inline.values);
});

test('workerImports: a path that does not exist fails at onTrainBegin, naming it', async () => {
  const probes = lmProbes({ n: 4, seed: 3 });
  const model = buildLmModel({ seed: 4, ...LM_RECIPE.model });
  model.compile({ optimizer: tf.train.adam(5e-4), loss: lmLoss });
  const ft = lmFineTuneConfig({ seed: 2, n: 8 });
  try {
    const guard = emGuard({
      probes: { train: probes.train, eval: probes.eval },
      runDir: false,
      policy: 'observe',
      workerImports: ['./no/such/layers.js'],
      unevaluable: 'ignore',
    });
    await assert.rejects(
      model.fit(ft.x, ft.y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [guard] }),
      /workerImports\[0\]` = `\.\/no\/such\/layers\.js` resolves to .*no\/such\/layers\.js.*not a file/,
    );
    assert.throws(
      () => emGuard({ probes: { train: probes.train, eval: probes.eval }, workerImports: 'x' as unknown as string[] }),
      /expected `workerImports` to be an array of module paths/,
    );
  } finally {
    model.dispose();
    ft.dispose();
    disposeLmProbes(probes);
  }
});

test('lmPreferenceProbes drops the positions after the last answer token: shorter pairs, the same answer scores (causal model)', async () => {
  const probes = lmProbes({ n: 24, seed: 3 });
  const preference = lmPreferenceProbes(probes);
  const model = buildLmModel({ seed: 4, ...LM_RECIPE.model });
  const n = 24;
  // The full-length pairs, built directly from lmProbes (as before the trim).
  const full = (start: number) =>
    tf.tidy(() => {
      const y = tf.slice(probes.targets, [start, 0, 0], [n, -1, -1]);
      return { inputs: tf.slice(probes.alignment.inputs, [start, 0], [n, -1]), targets: tf.argMax(y, -1).asType('int32'), mask: tf.sum(y, -1) };
    });
  const sides = { chosen: full(0), rejected: full(n) };
  try {
    const T = preference.chosen.mask.shape[1]!;
    assert.ok(T < LM_CONTEXT, `trimmed to ${T} of ${LM_CONTEXT} positions`);
    for (const name of ['chosen', 'rejected'] as const) {
      const trimmed = preference[name];
      const whole = sides[name];
      assert.deepEqual(trimmed.targets.shape, [n, T]);
      // Nothing scored was dropped, and the kept positions are the same tokens.
      const dropped = tf.tidy(() => tf.sum(tf.slice(whole.mask, [0, T], [-1, -1])).dataSync()[0]);
      assert.equal(dropped, 0);
      assert.deepEqual(
        (trimmed.inputs as tf.Tensor).arraySync(),
        tf.tidy(() => tf.slice(whole.inputs, [0, 0], [-1, T]).arraySync()),
      );
      const a = await captureOutput(model, trimmed.inputs, 256, { targets: trimmed.targets, mask: trimmed.mask, kind: 'logits' });
      const b = await captureOutput(model, whole.inputs, 256, { targets: whole.targets, mask: whole.mask, kind: 'logits' });
      a.data.forEach((v, i) => assert.ok(Math.abs(v - b.data[i]!) <= 1e-6, `${name} row ${i}: ${v} vs ${b.data[i]}`));
    }
  } finally {
    model.dispose();
    for (const s of Object.values(sides)) tf.dispose([s.inputs, s.targets, s.mask]);
    disposePreferenceProbes(preference);
    disposeLmProbes(probes);
  }
});
