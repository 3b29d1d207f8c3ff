// Property test: seeded random mutations of valid policies (deleted, duplicated and swapped lines,
// random characters, type changes, truncation, byte corruption) either load or fail with a
// PolicyError whose problems all carry a known code and a valid position. Never another throw,
// never a hang (the test would not finish).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPolicy, parsePolicy } from '../src/policy/loadPolicy.js';
import { PolicyError } from '../src/policy/policyError.js';
import { POLICY_ERROR_CODES } from '../src/policy/policyErrorCodes.js';
import { seededRandom, tempDir } from './helpers.js';

const SEEDS = [
  readFileSync('configs/default.yaml', 'utf8'),
  readFileSync('configs/strict.yaml', 'utf8'),
  readFileSync('test/fixtures/policies/valid.yaml', 'utf8'),
  readFileSync('test/fixtures/policies/extends/child.yaml', 'utf8').replace('./sub/middle.yaml', 'default'),
];
const CODES = new Set<string>(Object.values(POLICY_ERROR_CODES));
const CHARS = [
  ':',
  '-',
  '[',
  ']',
  '{',
  '}',
  '&',
  '*',
  '!',
  '\t',
  '"',
  "'",
  '#',
  '|',
  '>',
  '%',
  '@',
  '\n',
  ' ',
  ',',
  '?',
  '0',
  '9',
  '.',
  'a',
  'Z',
  'é',
  '\u0000',
  '\uFEFF',
  '\r',
  '~',
  '<<',
];
const VALUES = ['"high"', '[]', '{}', 'null', '~', '-1', '0', '1e309', '.nan', 'yes', '&x [a]', '*x', '!!str 5', '>', '|', "''"];

function mutate(text: string, rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const lines = text.split('\n');
  const i = Math.floor(rand() * lines.length);
  const j = Math.floor(rand() * lines.length);
  switch (Math.floor(rand() * 8)) {
    case 0:
      lines.splice(i, 1);
      return lines.join('\n');
    case 1:
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    case 2:
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
      return lines.join('\n');
    case 3: {
      const p = Math.floor(rand() * text.length);
      return text.slice(0, p) + pick(CHARS) + text.slice(p + 1);
    }
    case 4: {
      const p = Math.floor(rand() * text.length);
      return text.slice(0, p) + pick(CHARS) + text.slice(p);
    }
    case 5:
      return text.slice(0, Math.floor(rand() * text.length));
    case 6: {
      // change a value's type
      const m = /^(\s*-?\s*[A-Za-z]+:\s*)(.*)$/.exec(lines[i] ?? '');
      if (m) lines[i] = `${m[1]}${pick(VALUES)}`;
      return lines.join('\n');
    }
    default: {
      // repeat a piece many times
      const p = Math.floor(rand() * text.length);
      const piece = text.slice(p, p + 1 + Math.floor(rand() * 8));
      return text.slice(0, p) + piece.repeat(1 + Math.floor(rand() * 200)) + text.slice(p);
    }
  }
}

function checkOutcome(load: () => unknown, label: string, codes = new Set<string>()): 'ok' | 'error' {
  try {
    load();
    return 'ok';
  } catch (e) {
    if (!(e instanceof PolicyError)) assert.fail(`${label}: threw ${e instanceof Error ? e.stack : String(e)}`);
    assert.ok(e.problems.length > 0, `${label}: PolicyError without problems`);
    for (const p of e.problems) {
      assert.ok(CODES.has(p.code), `${label}: unknown code ${p.code}`);
      assert.ok(Number.isInteger(p.line) && p.line >= 1 && Number.isInteger(p.col) && p.col >= 1, `${label}: bad position ${p.line}:${p.col}`);
      assert.ok(p.message.length > 0 && !p.message.includes('\n'), `${label}: message must be one line`);
      codes.add(p.code);
    }
    return 'error';
  }
}

test('random text mutations of valid policies load or give coded, positioned errors', { timeout: 120_000 }, () => {
  const rand = seededRandom(20261129);
  const tally = { ok: 0, error: 0 };
  const codes = new Set<string>();
  for (let n = 0; n < 1000; n++) {
    let text = SEEDS[n % SEEDS.length]!;
    const k = 1 + Math.floor(rand() * 3);
    for (let m = 0; m < k; m++) text = mutate(text, rand);
    tally[checkOutcome(() => parsePolicy(text, 'mutant.yaml'), `mutant ${n}`, codes)] += 1;
  }
  // Both outcomes happen, and the mutations reach many different checks.
  assert.ok(tally.ok > 30 && tally.error > 300, JSON.stringify(tally));
  assert.ok(codes.size >= 12, [...codes].join(', '));
});

test('random byte corruption of a policy file gives a coded error or loads', { timeout: 60_000 }, () => {
  const rand = seededRandom(7);
  const { dir, cleanup } = tempDir();
  try {
    const bytes = Buffer.from(SEEDS[0]!, 'utf8');
    for (let n = 0; n < 150; n++) {
      const b = Buffer.from(bytes);
      for (let m = 0; m < 1 + Math.floor(rand() * 4); m++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const file = join(dir, `m${n}.yaml`);
      writeFileSync(file, b);
      checkOutcome(() => loadPolicy(file), `bytes ${n}`);
    }
  } finally {
    cleanup();
  }
});

test('pathological inputs: deep nesting, alias bombs, long lines, huge numbers', { timeout: 60_000 }, () => {
  const cases = [
    // Nesting as deep as the size cap allows.
    `${'['.repeat(120_000)}${']'.repeat(120_000)}`,
    `version: 1\nrules: ${'['.repeat(20_000)}`,
    `${'- '.repeat(20_000)}x\n`,
    `version: 1\nrules:\n  - annotations: ${'{a: '.repeat(10_000)}x${'}'.repeat(10_000)}\n`,
    'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
    `version: 1\nrules:\n  - { name: ${'x'.repeat(200_000)} }\n`,
    `version: 1\ncheck: { rank: ${'9'.repeat(400)} }\n`,
    '',
    '\uFEFF',
    '---\n...\n',
  ];
  for (const [i, text] of cases.entries())
    assert.equal(
      checkOutcome(() => parsePolicy(text), `case ${i}`),
      'error',
    );
});
