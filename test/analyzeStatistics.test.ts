import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryIo } from '../src/cli/cliIo.js';
import { main } from '../src/cli/main.js';
import { fromRows } from '../src/metrics/matrix.js';
import { PER_PROMPT_COLUMNS } from '../src/metrics/subspaceStatistics.js';
import { writeNpy } from '../src/npy/writeNpy.js';
import { tempDir, useBackend } from './helpers.js';

process.env.EM_GUARD_BACKEND ??= process.env.EM_GUARD_TEST_BACKEND ?? 'wasm';
await useBackend();

// Reference: test/fixtures/seed_statistics_reference.py (sklearn PCA / NumPy), tolerance 1e-9 (float64 both sides).
interface Case {
  name: string;
  choice: { rank: number } | { varianceShare: number };
  seed: number;
  trainBefore: number[][];
  trainAfter: number[][];
  evalBefore: number[][];
  evalAfter: number[][];
  pca: { k: number; cumulativeExplainedVarianceRatio: number };
  perPrompt: Record<string, (number | null)[]>;
  summary: Record<string, unknown>;
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/seed_statistics_reference.json', import.meta.url), 'utf8')) as { cases: Case[] };
const ref = reference.cases.find((c) => 'varianceShare' in c.choice && c.choice.varianceShare === 0.9)!;
const { dir, cleanup } = tempDir();
process.on('exit', cleanup);

const save = (name: string, rows: number[][]) => {
  const path = join(dir, name);
  writeFileSync(path, writeNpy(fromRows(rows), '<f8'));
  return path;
};
const files = [
  '--train-before',
  save('tb.npy', ref.trainBefore),
  '--train-after',
  save('ta.npy', ref.trainAfter),
  '--eval-before',
  save('eb.npy', ref.evalBefore),
  '--eval-after',
  save('ea.npy', ref.evalAfter),
];

async function run(argv: string[]) {
  const io = memoryIo(dir);
  const code = await main(['analyze', ...files, ...argv], io);
  return { code, out: io.out.join('\n'), err: io.err.join('\n') };
}

const TOL = 1e-9;
function deepClose(actual: unknown, expected: unknown, label: string): void {
  if (expected === null) return assert.equal(actual ?? null, null, label);
  if (typeof expected === 'number') {
    assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= TOL * Math.max(1, Math.abs(expected)), `${label}: ${String(actual)} vs ${expected}`);
    return;
  }
  for (const [key, value] of Object.entries(expected as Record<string, unknown>))
    deepClose((actual as Record<string, unknown> | null)?.[key], value, `${label}.${key}`);
}

test('analyze --variance-share 0.9 --json: k and every paper statistic match sklearn/NumPy', async () => {
  const { code, out, err } = await run(['--variance-share', '0.9', '--json', '--seed', String(ref.seed)]);
  assert.equal(code, 0, err);
  const r = JSON.parse(out) as Record<string, unknown> & { pca: { k: number; varianceShare: number; cumulativeExplainedVarianceRatio: number }; rank: number };
  assert.equal(r.pca.k, ref.pca.k);
  assert.equal(r.pca.varianceShare, 0.9);
  assert.equal(r.rank, ref.pca.k, 'the share chooses k for the delta subspaces too');
  deepClose(r.pca.cumulativeExplainedVarianceRatio, ref.pca.cumulativeExplainedVarianceRatio, 'pca.cumulativeExplainedVarianceRatio');
  deepClose(r, ref.summary, 'json');
  assert.equal('perPrompt' in r, false, 'per-prompt values go to the CSV, not stdout');
});

test('analyze --per-prompt writes one CSV row per eval probe with its index; empty cell = undefined', async () => {
  const csv = join(dir, 'per-prompt.csv');
  const { code, err } = await run(['--variance-share', '0.9', '--seed', String(ref.seed), '--per-prompt', 'per-prompt.csv']);
  assert.equal(code, 0, err);
  const [header, ...lines] = readFileSync(csv, 'utf8').trimEnd().split('\n');
  assert.deepEqual(header!.split(','), ['row', ...PER_PROMPT_COLUMNS]);
  assert.equal(lines.length, ref.evalBefore.length);
  lines.forEach((line, r) => {
    const cells = line.split(',');
    assert.equal(cells[0], String(r));
    PER_PROMPT_COLUMNS.forEach((column, j) => {
      const want = ref.perPrompt[column]![r]!;
      const cell = cells[j + 1]!;
      deepClose(cell === '' ? null : Number(cell), want, `${column}[${r}]`);
    });
  });
  assert.ok(
    lines.some((l) => l.includes(',,')),
    'the fixture has one probe that did not move',
  );
});

test('analyze: bad --variance-share values and --rank with --variance-share exit 2 with one line', async () => {
  for (const [argv, pattern] of [
    [['--variance-share', '0'], /`--variance-share` to be a number in \(0, 1\], got `0`/],
    [['--variance-share', '1.5'], /in \(0, 1\], got `1.5`/],
    [['--variance-share', 'abc'], /got `abc`/],
    [['--variance-share=-0.2'], /got `-0.2`/],
    [['--variance-share', '-0.2'], /argument is ambiguous; To specify an option argument starting with a dash use '--variance-share=-XYZ'/],
    [['--rank', '3', '--variance-share', '0.9'], /either `--rank` or `--variance-share`, not both/],
  ] as const) {
    const { code, out, err } = await run([...argv]);
    assert.equal(code, 2, argv.join(' '));
    assert.equal(out, '');
    assert.match(err, pattern);
    assert.equal(err.trim().split('\n').length, 1, err);
  }
  const unwritable = await run(['--per-prompt', join(dir, 'missing-dir', 'x.csv')]);
  assert.equal(unwritable.code, 2);
  assert.match(unwritable.err, /--per-prompt: cannot write/);
  assert.equal(existsSync(join(dir, 'missing-dir')), false);
});

test('analyze --variance-share 1 keeps every component with variance (n−1 at most)', async () => {
  const { code, out } = await run(['--variance-share', '1', '--json']);
  assert.equal(code, 0);
  const r = JSON.parse(out) as { pca: { k: number; cumulativeExplainedVarianceRatio: number } };
  assert.equal(r.pca.k, Math.min(ref.trainBefore.length - 1, ref.trainBefore[0]!.length));
  assert.ok(Math.abs(r.pca.cumulativeExplainedVarianceRatio - 1) < 1e-12);
});
