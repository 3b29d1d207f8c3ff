import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointStore } from '../src/checkpoints/CheckpointStore.js';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/cliIo.js';
import { fileSystemHandler } from '../src/io/fileSystemHandler.js';
import { readRunLog, RunLog } from '../src/runlog/RunLog.js';
import { tempDir, useBackend } from './helpers.js';

await useBackend();
const tmp = tempDir();
const template = join(tmp.dir, 'template');
/** Predictions of each checkpoint (by step) on a fixed input, to check what was written out. */
const predictions = new Map<number, number[]>();
const input = tf.tensor2d([
  [1, -2],
  [0.5, 3],
]);

async function predict(model: tf.LayersModel): Promise<number[]> {
  const p = model.predict(input) as tf.Tensor;
  const out = Array.from(await p.data());
  p.dispose();
  return out;
}

before(async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2] })] });
  const store = new CheckpointStore({ runDir: template, keep: 5, keepBest: { metric: 'loss', mode: 'min' } });
  const log = new RunLog(join(template, 'run.jsonl'), 'run-42');
  log.append({ type: 'baseline', step: 0, epoch: 0, values: {} });
  for (const [step, loss, safe] of [
    [10, 0.5, true],
    [20, 0.25, false],
    [30, 0.375, false],
  ] as const) {
    model.setWeights(model.getWeights().map((w) => tf.fill(w.shape, step / 100)));
    await store.save(model, { step, epoch: step / 10, metrics: { loss }, safe, reason: 'periodic' });
    predictions.set(step, await predict(model));
    log.append({ type: 'check', step, epoch: step / 10, values: { loss } });
  }
  model.dispose();
});
after(() => {
  input.dispose();
  tmp.cleanup();
});

let n = 0;
/** A fresh copy of the template run dir. */
function freshRun(): string {
  const dir = join(tmp.dir, `run${n++}`);
  cpSync(template, dir, { recursive: true });
  return dir;
}

async function run(...argv: string[]) {
  const io = memoryIo(tmp.dir);
  const code = await main(['rollback', ...argv], io);
  return { code, out: io.out.join('\n'), err: io.err.join('\n') };
}

async function loadOut(dir: string): Promise<number[]> {
  const model = await tf.loadLayersModel(fileSystemHandler(dir));
  const p = await predict(model);
  model.dispose();
  return p;
}

test('default: last-safe written to <runDir>/rollback as a loadable tfjs model, recorded in run.jsonl', async () => {
  const dir = freshRun();
  const r = await run(dir);
  assert.equal(r.code, 0, r.err);
  const out = join(dir, 'rollback');
  assert.match(r.out, /rolled back to ckpt-000010-e001 \(step 10, epoch 1, safe, reason: periodic\): verified and written to .*rollback/);
  assert.deepEqual(readdirSync(out).sort(), ['manifest.json', 'model.json', 'rollback.json', 'weights.bin']);
  assert.deepEqual(await loadOut(out), predictions.get(10));
  const marker = JSON.parse(readFileSync(join(out, 'rollback.json'), 'utf8'));
  assert.equal(marker.checkpoint, 'ckpt-000010-e001');
  const records = readRunLog(join(dir, 'run.jsonl'));
  const last = records[records.length - 1]!;
  assert.deepEqual(
    { ...last, time: undefined },
    { type: 'rollback', step: 30, epoch: 3, to: 'ckpt-000010-e001', toStep: 10, by: 'cli', out, time: undefined, runId: 'run-42' },
  );
  // A second rollback replaces the first one's output.
  const again = await run(dir, '--to', 'latest');
  assert.equal(again.code, 0, again.err);
  assert.deepEqual(await loadOut(out), predictions.get(30));
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('.')),
    [],
  );
});

test('--to best / an id, --out relative to the cwd, --json', async () => {
  const dir = freshRun();
  const r = await run(dir, '--to', 'best', '--out', 'exported/best', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.checkpoint.id, 'ckpt-000020-e002');
  assert.equal(j.out, join(tmp.dir, 'exported', 'best'));
  assert.equal(j.dryRun, false);
  assert.equal(j.logged, true);
  assert.deepEqual(await loadOut(j.out), predictions.get(20));
  const byId = await run(dir, '--to', 'ckpt-000030-e003', '--out', join(tmp.dir, 'exported', 'id'));
  assert.equal(byId.code, 0, byId.err);
  assert.match(byId.out, /NOT marked safe/);
  assert.deepEqual(await loadOut(join(tmp.dir, 'exported', 'id')), predictions.get(30));
});

test('--dry-run verifies and writes nothing', async () => {
  const dir = freshRun();
  const before = readFileSync(join(dir, 'run.jsonl'), 'utf8');
  const r = await run(dir, '--dry-run');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^dry run: would write ckpt-000010-e001 .* nothing written$/);
  assert.equal(existsSync(join(dir, 'rollback')), false);
  assert.equal(readFileSync(join(dir, 'run.jsonl'), 'utf8'), before);
});

test('a damaged checkpoint is refused naming the file; --fallback takes the previous intact one', async () => {
  const dir = freshRun();
  const weights = join(dir, 'checkpoints', 'ckpt-000030-e003', 'weights.bin');
  writeFileSync(weights, Buffer.alloc(readFileSync(weights).length));
  const r = await run(dir, '--to', 'latest');
  assert.equal(r.code, 2);
  assert.ok(r.err.includes(weights), r.err);
  assert.equal(existsSync(join(dir, 'rollback')), false);
  const f = await run(dir, '--to', 'latest', '--fallback');
  assert.equal(f.code, 0, f.err);
  assert.match(f.err, /skipped damaged ckpt-000030-e003/);
  assert.deepEqual(await loadOut(join(dir, 'rollback')), predictions.get(20));
});

test('without run.jsonl the record is still written, runId = dir name', async () => {
  const dir = freshRun();
  const { rmSync } = await import('node:fs');
  rmSync(join(dir, 'run.jsonl'));
  const r = await run(dir);
  assert.equal(r.code, 0, r.err);
  const [rec] = readRunLog(join(dir, 'run.jsonl'));
  assert.equal(rec?.runId, dir.split('/').pop());
  assert.equal(rec?.type, 'rollback');
});

test('--help documents every flag', async () => {
  const r = await run('--help');
  assert.equal(r.code, 0);
  for (const flag of ['--to', '--out', '--dry-run', '--fallback', '--json', '--help']) assert.ok(r.out.includes(flag), flag);
});

test('bad input exits 2 with one line and changes nothing', async () => {
  const dir = freshRun();
  mkdirSync(join(tmp.dir, 'foreign'));
  writeFileSync(join(tmp.dir, 'foreign', 'keep.txt'), 'mine');
  writeFileSync(join(tmp.dir, 'a-file'), 'x');
  mkdirSync(join(tmp.dir, 'nockpt'));
  const unsafe = freshRun();
  const idx = join(unsafe, 'checkpoints', 'index.json');
  writeFileSync(idx, readFileSync(idx, 'utf8').replaceAll('"safe": true', '"safe": false'));
  const cases: [string[], RegExp][] = [
    [[], /expected exactly one run directory, got none/],
    [[join(tmp.dir, 'nope')], /run directory `.*nope` does not exist/],
    [['nockpt'], /No checkpoint index at .*index\.json/],
    [[dir, '--to', 'ckpt-999'], /No checkpoint `ckpt-999` .*known: ckpt-000010-e001, ckpt-000020-e002, ckpt-000030-e003/],
    [[dir, '--to', '../../etc'], /Expected a checkpoint id like `ckpt-000150-e002`.*got `\.\.\/\.\.\/etc`/],
    [[dir, '--to', 'a/b'], /got `a\/b`/],
    [[dir, '--to', ''], /--to needs a value/],
    [[dir, '--out', ''], /--out needs a directory path/],
    [[dir, '--out', join(tmp.dir, 'foreign')], /non-empty directory that is not an earlier rollback/],
    [[dir, '--out', join(tmp.dir, 'a-file')], /exists and is not a directory/],
    [[dir, '--out', dir], /would replace the run directory/],
    [[dir, '--out', tmp.dir], /would replace the run directory/],
    [[dir, '--out', join(dir, 'checkpoints', 'x')], /inside .*checkpoints, which the checkpoint store owns/],
    [[unsafe], /None of the 3 checkpoints .* is marked safe/],
    [[dir, '--bogus'], /Unknown option '--bogus'/],
    [[dir, '--to'], /--to.*argument missing/],
  ];
  for (const [argv, message] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
    assert.equal(r.err.split('\n').length, 1, r.err);
  }
  assert.equal(existsSync(join(dir, 'rollback')), false);
  assert.equal(readRunLog(join(dir, 'run.jsonl')).filter((x) => x.type === 'rollback').length, 0);
  assert.deepEqual(readdirSync(join(tmp.dir, 'foreign')), ['keep.txt']);
});
