import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { memoryIo } from '../src/cli/cliIo.js';
import { main } from '../src/cli/main.js';
import * as tf from '@tensorflow/tfjs';
import { readRunLog } from '../src/runlog/RunLog.js';
import { expandSweepMatrix } from '../src/sweep/expandSweepMatrix.js';
import { loadSweepConfig, parseSweepConfig } from '../src/sweep/parseSweepConfig.js';
import { runSweepConfig } from '../src/sweep/runSweepConfig.js';
import { SweepConfigError } from '../src/sweep/SweepConfigError.js';
import type { SweepRunResult } from '../src/sweep/sweepRunResult.js';
import { tempDir } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'sweep-small.yaml');
const MODULE = join(import.meta.dirname, 'fixtures', 'sweepModule.ts');

test('sweep-small runs 4 organism runs end to end, then resumes by skipping them all', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const config = loadSweepConfig(FIXTURE, { baseDir: dir });
    assert.equal(config.out, join(dir, 'runs', 'sweep-small'));
    const io = memoryIo(dir);
    assert.equal(await main(['sweep', FIXTURE, '--json'], io), 0, io.err.join('\n'));
    const summary = JSON.parse(io.out.join('')) as { ok: number; skipped: number; crashed: number; workers: number };
    assert.deepEqual([summary.ok, summary.skipped, summary.crashed, summary.workers], [4, 0, 0, 2]);
    for (const run of expandSweepMatrix(config)) {
      const records = readRunLog(join(run.runDir, 'run.jsonl'));
      const checks = records.filter((r) => r.type === 'check');
      const judges = records.filter((r) => r.type === 'judge');
      assert.ok(checks.length >= 2, `${run.runId}: ${checks.length} checks`);
      // A judge record at the baseline and at every check step.
      assert.deepEqual(
        judges.map((j) => j.step).slice(1, checks.length + 1),
        checks.map((c) => c.step),
      );
      assert.equal(records.filter((r) => r.type === 'abort').length, 0, 'observe mode never aborts');
      assert.ok(records.some((r) => r.type === 'end'));
      const result = JSON.parse(readFileSync(join(run.runDir, 'result.json'), 'utf8')) as SweepRunResult;
      assert.equal(result.runId, run.runId);
      assert.equal(result.label.em, result.final.misalignedRate > 0.25);
      const layers = Object.keys(result.prediction!.layers);
      assert.ok(layers.length >= 1);
      const p = result.prediction!.layers[layers[0]!]!;
      assert.equal(p.deltaProjection.length, 24);
      assert.equal(p.deltaProjection[0]!.length, p.k);
      assert.equal(result.prediction!.pUnsafeAfter.length, 24);
      assert.deepEqual(JSON.parse(readFileSync(join(run.runDir, 'config.json'), 'utf8')).optimizer, run.optimizer);
    }
    const again = memoryIo(dir);
    assert.equal(await main(['sweep', FIXTURE, '--json'], again), 0);
    const second = JSON.parse(again.out.join('')) as { ok: number; skipped: number };
    assert.deepEqual([second.ok, second.skipped], [0, 4]);
    // The analysis runs on the result (2 classes are not guaranteed in 4 tiny runs, so check shape only).
    const analysis = memoryIo(dir);
    assert.equal(await main(['analyze-runs', config.out, '--json', '--permutations', '5'], analysis), 0, analysis.err.join('\n'));
    const report = JSON.parse(analysis.out.join('')) as { runs: number; detection: { auroc: { fraction: number }[] } };
    assert.equal(report.runs, 4);
    assert.deepEqual(
      report.detection.auroc.map((a) => a.fraction),
      [0.1, 0.25, 0.5],
    );
  } finally {
    cleanup();
  }
});

test('a user module sweep records an exit code, a throw and a timeout as crashes and goes on', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'sweep.yaml');
    writeFileSync(file, `version: 1\nname: crashy\nout: out\nmodule: ${relative(dir, MODULE)}\nmatrix:\n  seed: [1, 2, 3, 4]\ntimeoutSeconds: 10\n`);
    const io = memoryIo(dir);
    assert.equal(await main(['sweep', file, '--workers', '2'], io), 1);
    const lines = readFileSync(join(dir, 'out', 'sweep.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const runs = new Map(lines.filter((l) => l.type === 'run').map((l) => [String(l.runId).replace(/.*-s/, 's'), l]));
    assert.equal(runs.get('s1')?.status, 'ok');
    assert.equal(runs.get('s2')?.status, 'crashed');
    assert.equal(runs.get('s2')?.exitCode, 3);
    assert.equal(runs.get('s3')?.status, 'crashed');
    assert.match(String(runs.get('s3')?.error), /deliberate failure/);
    assert.equal(runs.get('s4')?.timedOut, true);
    assert.equal(lines.at(-1)?.type, 'end');
    assert.equal(readdirSync(join(dir, 'out')).filter((n) => n.startsWith('adam')).length, 4);
    assert.match(io.out.join('\n'), /1 ran, 0 skipped \(finished before\), 3 crashed/);
  } finally {
    cleanup();
  }
});

test('sweep config errors name file:line:col, collect every problem, and the CLI exits 2', async () => {
  const text = 'version: 1\nname: bad\nmatrix:\n  optimizer: [adam, lionn]\n  learningRate: [0.01, -1]\n  mixx: [0]\nepochs: 0\n';
  assert.throws(
    () => parseSweepConfig(text, 'bad.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof SweepConfigError);
      const where = e.problems.map((p) => `${p.line}:${p.col} ${p.path}`);
      assert.deepEqual(where, ['4:21 matrix.optimizer[1]', '5:24 matrix.learningRate[1]', '6:3 matrix.mixx', '7:9 epochs']);
      assert.match(e.problems[0]!.message, /did you mean `lion`/);
      return true;
    },
  );
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'bad.yaml'), text);
    const io = memoryIo(dir);
    assert.equal(await main(['sweep', 'bad.yaml'], io), 2);
    assert.match(io.err.join('\n'), /bad\.yaml:4:21 matrix\.optimizer\[1\]/);
    const missing = memoryIo(dir);
    assert.equal(await main(['sweep', 'nope.yaml'], missing), 2);
    assert.match(missing.err.join('\n'), /nope\.yaml:1:1: no such file/);
    const workers = memoryIo(dir);
    assert.equal(await main(['sweep', 'bad.yaml', '--workers', '0'], workers), 2);
    assert.match(workers.err.join('\n'), /--workers/);
    const dry = memoryIo(dir);
    writeFileSync(join(dir, 'ok.yaml'), 'version: 1\nname: ok\nmatrix:\n  optimizer: [sgd, lion]\n  mix: [0, 0.5]\n');
    assert.equal(await main(['sweep', 'ok.yaml', '--dry-run'], dry), 0);
    assert.match(dry.out.join('\n'), /4 runs in .*ok/);
    assert.equal(existsSync(join(dir, 'runs', 'ok')), false, 'a dry run writes nothing');
  } finally {
    cleanup();
  }
});

test('an organism run in-process leaves no tensors behind across repeated runs', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const run = expandSweepMatrix(loadSweepConfig(FIXTURE, { baseDir: dir }))[1]!;
    mkdirSync(run.runDir, { recursive: true });
    writeFileSync(join(run.runDir, 'config.json'), JSON.stringify(run));
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await runSweepConfig(run.runDir);
      assert.equal(result.runId, run.runId);
      counts.push(tf.memory().numTensors);
    }
    // The first run may create lasting backend state; after that the count must not move.
    assert.equal(counts[2], counts[1], `numTensors after each run: ${counts.join(', ')}`);
  } finally {
    cleanup();
  }
});
