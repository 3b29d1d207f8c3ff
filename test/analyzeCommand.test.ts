import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/cliIo.js';
import { fromRows, type Matrix } from '../src/metrics/matrix.js';
import { writeNpy } from '../src/npy/writeNpy.js';
import { tempDir, useBackend } from './helpers.js';

process.env.EM_GUARD_BACKEND ??= process.env.EM_GUARD_TEST_BACKEND ?? 'wasm';
await useBackend();

const npyDir = new URL('./fixtures/npy/', import.meta.url).pathname;
const reference = JSON.parse(readFileSync(new URL('./fixtures/metrics_reference.json', import.meta.url), 'utf8')) as {
  cases: {
    name: string;
    k: number;
    trainBefore: number[][];
    trainAfter: number[][];
    evalBefore: number[][];
    evalAfter: number[][];
    principalAngles: number[];
    overlap: number;
    evalEnergyFraction: number;
    ckaTrain: number;
    ckaEval: number;
    meanDeltaCosine: { mean: number };
    trainSpectralGapRatio: number;
  }[];
};
const ref = reference.cases[0]!;
const { dir, cleanup } = tempDir();
process.on('exit', cleanup);

function save(name: string, m: Matrix, dtype: '<f4' | '<f8' = '<f4'): string {
  const path = join(dir, name);
  writeFileSync(path, writeNpy(m, dtype));
  return path;
}
const files = {
  tb: save('tb.npy', fromRows(ref.trainBefore)),
  ta: save('ta.npy', fromRows(ref.trainAfter), '<f8'), // float32 values stored as float64: same numbers
  eb: save('eb.npy', fromRows(ref.evalBefore)),
  ea: save('ea.npy', fromRows(ref.evalAfter)),
};
const args = (over: Partial<Record<keyof typeof files, string>> = {}) => {
  const f = { ...files, ...over };
  return ['analyze', '--train-before', f.tb, '--train-after', f.ta, '--eval-before', f.eb, '--eval-after', f.ea];
};

async function run(argv: string[]) {
  const io = memoryIo(dir);
  const code = await main(argv, io);
  return { code, out: io.out.join('\n'), err: io.err.join('\n') };
}

test('--json prints one object whose metrics match the NumPy/SciPy reference', async () => {
  const { code, out, err } = await run([...args(), '--rank', String(ref.k), '--json', '--seed', '4']);
  assert.equal(code, 0, err);
  assert.equal(err, '');
  const r = JSON.parse(out) as Record<string, unknown> & { principalAnglesDeg: number[]; meanDeltaCosine: { mean: number }; timingsMs: Record<string, number> };
  assert.equal(r.rank, ref.k);
  assert.equal(r.seed, 4);
  assert.equal(r.principalAnglesDeg.length, ref.k);
  r.principalAnglesDeg.forEach((a, i) =>
    assert.ok(Math.abs((a * Math.PI) / 180 - ref.principalAngles[i]!) <= 1e-5 * ref.principalAngles[i]! + 1e-9, `angle ${i}`),
  );
  for (const key of ['overlap', 'evalEnergyFraction', 'ckaTrain', 'ckaEval', 'trainSpectralGapRatio'] as const) {
    const want = ref[key];
    assert.ok(Math.abs((r[key] as number) - want) <= 1e-5 * Math.abs(want), `${key}: ${String(r[key])} vs ${want}`);
  }
  assert.ok(Math.abs(r.meanDeltaCosine.mean - ref.meanDeltaCosine.mean) <= 1e-5 * Math.abs(ref.meanDeltaCosine.mean));
  const baseline = r.randomBaselineEnergyFraction as number;
  assert.ok(baseline > 0 && baseline < (r.evalEnergyFraction as number), `random baseline ${baseline}`);
  for (const key of ['evalSpectralGapRatio', 'trainEffectiveRank', 'evalEffectiveRank']) assert.equal(typeof r[key], 'number', key);
  assert.ok(r.timingsMs.total! > 0 && r.timingsMs.total! >= r.timingsMs.trainSubspace!);
  assert.ok(!out.includes('NaN'));
});

test('human output is a short table', async () => {
  const { code, out } = await run([...args(), '--rank', '2']);
  assert.equal(code, 0);
  assert.match(out, /^em-guard analyze: k=2 \(train rank 2, eval rank 2\); train 16×40, eval 12×40/);
  for (const label of [
    'principal angles (deg)',
    'overlap (mean cos²)',
    'eval energy fraction',
    'random 2-subspace',
    'mean delta cosine',
    'linear CKA',
    'spectral gap',
    'effective rank',
    'compute',
  ]) {
    assert.ok(out.includes(label), label);
  }
  assert.ok(out.split('\n').length < 20);
});

test('--help documents every flag; the command is listed in em-guard --help', async () => {
  const { code, out } = await run(['analyze', '--help']);
  assert.equal(code, 0);
  for (const flag of ['--train-before', '--train-after', '--eval-before', '--eval-after', '--rank', '--seed', '--json', '--help'])
    assert.ok(out.includes(flag), flag);
  assert.match((await run(['--help'])).out, /analyze\s+Delta-subspace metrics/);
});

test('bad input exits 2 with one line and no stack trace', async () => {
  const nan = fromRows(ref.evalAfter);
  nan.data[2 * 40 + 5] = Number.NaN;
  const cases: [string[], RegExp][] = [
    [['analyze', '--train-before', files.tb, '--rank', '2'], /missing --train-after, --eval-before, --eval-after/],
    [args({ ea: join(npyDir, 'not_npy.npy') }), /--eval-after: .*not a NumPy \.npy file/],
    [args({ ea: join(npyDir, 'int32.npy') }), /--eval-after: .*dtype `<i4` is not supported/],
    [args({ tb: join(npyDir, 'f4_truncated.npy') }), /--train-before: .*truncated/],
    [args({ eb: join(npyDir, 'f4_3d.npy') }), /--eval-before: .*expected a 2-D array/],
    [args({ eb: join(dir, 'missing.npy') }), /--eval-before: .*missing\.npy: no such file/],
    [args({ eb: dir }), /--eval-before: .*is a directory/],
    // Read side by side: with two bad files the first flag in order is named.
    [args({ tb: join(npyDir, 'f4_truncated.npy'), ea: join(dir, 'missing.npy') }), /^em-guard analyze: --train-before: .*truncated/],
    [args({ ea: save('short.npy', fromRows(ref.evalAfter.slice(1))) }), /shape mismatch: --eval-after is 11×40, --eval-before is 12×40/],
    [
      args({
        eb: save('narrow-b.npy', fromRows(ref.evalBefore.map((r) => r.slice(1)))),
        ea: save('narrow-a.npy', fromRows(ref.evalAfter.map((r) => r.slice(1)))),
      }),
      /train files have 40 features, eval files have 39/,
    ],
    [args({ ea: save('nan.npy', nan) }), /non-finite value at row 2, col 5/],
    [args({ ea: join(npyDir, 'f4_empty_rows.npy') }), /has shape \(0, 4\); expected at least one probe/],
    [[...args(), '--rank', '0'], /expected `--rank` to be an integer >= 1, got `0`/],
    [[...args(), '--rank', 'eight'], /expected `--rank` to be an integer >= 1, got `eight`/],
    [[...args(), '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [argv, message] of cases) {
    const { code, out, err } = await run(argv);
    assert.equal(code, 2, `${argv.join(' ')}: ${err}`);
    assert.equal(out, '');
    assert.match(err, message);
    assert.equal(err.split('\n').length, 1, err);
    assert.ok(!/\n\s+at /.test(err) && !err.includes('internal error'), err);
  }
});
