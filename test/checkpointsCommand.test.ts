import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointStore } from '../src/checkpoints/CheckpointStore.js';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/cliIo.js';
import { tempDir, useBackend } from './helpers.js';

await useBackend();
const tmp = tempDir();
const runDir = join(tmp.dir, 'run');

before(async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2] })] });
  const store = new CheckpointStore({ runDir, keep: 5, keepBest: { metric: 'loss', mode: 'min' } });
  await store.save(model, { step: 10, epoch: 0, metrics: { loss: 0.5, 'overlap@dense_1': 0.25 }, safe: true, reason: 'periodic' });
  await store.save(model, { step: 20, epoch: 1, metrics: { loss: 0.25, 'overlap@dense_1': 0.75 }, safe: false, reason: 'rule:overlap-high' });
  await store.save(model, { step: 30, epoch: 2, metrics: { loss: 0.375, 'overlap@dense_1': null }, safe: false, reason: 'periodic' });
  model.dispose();
});
after(() => tmp.cleanup());

async function run(...argv: string[]) {
  const io = memoryIo(tmp.dir);
  const code = await main(['checkpoints', ...argv], io);
  return { code, out: io.out.join('\n'), err: io.err.join('\n') };
}

test('table: one row per checkpoint with step, epoch, safe, reason, key metrics and selector tags', async () => {
  const r = await run('run');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.match(lines[0]!, /^id\s+step\s+epoch\s+safe\s+reason\s+loss\s+overlap@dense_1\s+selected by$/);
  assert.match(lines[1]!, /^ckpt-000010-e000\s+10\s+0\s+yes\s+periodic\s+0\.5\s+0\.25\s+last-safe$/);
  assert.match(lines[2]!, /^ckpt-000020-e001\s+20\s+1\s+no\s+rule:overlap-high\s+0\.25\s+0\.75\s+best$/);
  assert.match(lines[3]!, /^ckpt-000030-e002\s+30\s+2\s+no\s+periodic\s+0\.375\s+-\s+latest$/);
});

test('--json gives the manifests with tags; --verify adds a status', async () => {
  const r = await run(join(tmp.dir, 'run'), '--json', '--verify');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.runDir, runDir);
  assert.deepEqual(j.best, { metric: 'loss', mode: 'min' });
  assert.deepEqual(
    j.checkpoints.map((c: { tags: string[] }) => c.tags),
    [['last-safe'], ['best'], ['latest']],
  );
  assert.deepEqual(
    j.checkpoints.map((c: { status: string }) => c.status),
    ['ok', 'ok', 'ok'],
  );
  assert.equal(j.checkpoints[0].files['weights.bin'].bytes, (2 * 3 + 3) * 4);
});

test('--verify marks a damaged checkpoint, names the file, exits 1', async () => {
  const copy = join(tmp.dir, 'damaged');
  cpSync(runDir, copy, { recursive: true });
  const weights = join(copy, 'checkpoints', 'ckpt-000020-e001', 'weights.bin');
  const bytes = readFileSync(weights);
  bytes[0] = bytes[0]! ^ 1;
  writeFileSync(weights, bytes);
  const r = await run('damaged', '--verify');
  assert.equal(r.code, 1);
  assert.match(r.out, /ckpt-000020-e001 .* DAMAGED/);
  assert.ok(r.err.includes(weights), r.err);
  assert.equal((await run('damaged')).code, 0); // without --verify the index is just listed
});

test('--help documents every flag', async () => {
  const r = await run('--help');
  assert.equal(r.code, 0);
  for (const flag of ['--verify', '--json', '--help']) assert.ok(r.out.includes(flag), flag);
});

test('bad input exits 2 with one line', async () => {
  mkdirSync(join(tmp.dir, 'empty'), { recursive: true });
  mkdirSync(join(tmp.dir, 'corrupt', 'checkpoints'), { recursive: true });
  writeFileSync(join(tmp.dir, 'corrupt', 'checkpoints', 'index.json'), '{"format": "em-guard-checkpoints", "checkpoints": [');
  writeFileSync(join(tmp.dir, 'file.txt'), 'x');
  const cases: [string[], RegExp][] = [
    [[], /expected exactly one run directory, got none/],
    [['run', 'run'], /expected exactly one run directory, got `run` `run`/],
    [['missing'], /run directory `.*missing` does not exist/],
    [['file.txt'], /is not a directory/],
    [['empty'], /has no checkpoints \(no .*index\.json\)/],
    [['corrupt'], /index\.json is not valid JSON/],
    [['run', '--nope'], /Unknown option '--nope'.*--help/],
  ];
  for (const [argv, message] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, message);
    assert.equal(r.err.split('\n').length, 1, r.err);
    assert.equal(r.out, '');
  }
});
