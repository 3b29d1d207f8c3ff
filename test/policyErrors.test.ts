// Every policy error code, each from a fixture file in test/fixtures/policies/errors/ (or a file
// generated here when it cannot be committed sensibly), asserting code, position and key path.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPolicy, parsePolicy } from '../src/policy/loadPolicy.js';
import { PolicyError, type PolicyProblem } from '../src/policy/policyError.js';
import { POLICY_ERROR_CODES } from '../src/policy/policyErrorCodes.js';
import { MAX_POLICY_BYTES } from '../src/policy/readPolicyYaml.js';
import { tempDir } from './tempDir.js';

const DIR = 'test/fixtures/policies/errors';

function problemsOf(load: () => unknown): readonly PolicyProblem[] {
  try {
    load();
  } catch (e) {
    assert.ok(e instanceof PolicyError, `expected a PolicyError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('the policy loaded, but it should have been rejected');
}

/** [fixture, expected problem of that code, exact hint, file reporting it if not the fixture]. */
const CASES: [string, Pick<PolicyProblem, 'code' | 'line' | 'col' | 'path'>, string?, string?][] = [
  ['invalid-utf8.yaml', { code: 'invalid-utf8', line: 3, col: 14, path: '' }],
  ['tab-indent.yaml', { code: 'tab-indent', line: 3, col: 1, path: '' }],
  ['yaml-syntax.yaml', { code: 'yaml-syntax', line: 4, col: 1, path: '' }],
  ['duplicate-key.yaml', { code: 'duplicate-key', line: 4, col: 3, path: '' }],
  ['multiple-documents.yaml', { code: 'multiple-documents', line: 8, col: 1, path: '' }],
  ['tag-not-allowed.yaml', { code: 'tag-not-allowed', line: 6, col: 24, path: 'rules[0].threshold' }],
  ['alias-limit.yaml', { code: 'alias-limit', line: 42, col: 12, path: 'rules[0].annotations.k32' }],
  ['unknown-key.yaml', { code: 'unknown-key', line: 7, col: 5, path: 'rules[0].treshold' }, 'did you mean `threshold`?'],
  ['missing-key.yaml', { code: 'missing-key', line: 3, col: 5, path: 'rules[0].op' }],
  ['wrong-type.yaml', { code: 'wrong-type', line: 6, col: 16, path: 'rules[0].threshold' }],
  ['out-of-range.yaml', { code: 'out-of-range', line: 3, col: 9, path: 'check.rank' }],
  ['invalid-value.yaml', { code: 'invalid-value', line: 5, col: 9, path: 'rules[0].op' }, 'did you mean "<="?'],
  ['exclusive-keys.yaml', { code: 'exclusive-keys', line: 3, col: 24, path: 'check.every.epochs' }],
  ['unsupported-version.yaml', { code: 'unsupported-version', line: 1, col: 10, path: 'version' }],
  ['unknown-metric.yaml', { code: 'unknown-metric', line: 4, col: 13, path: 'rules[0].metric' }, 'did you mean `subspace.overlap`?'],
  ['unknown-action.yaml', { code: 'unknown-action', line: 7, col: 21, path: 'rules[0].actions[1]' }, 'did you mean `abort`?'],
  ['metric-not-per-layer.yaml', { code: 'metric-not-per-layer', line: 5, col: 5, path: 'rules[0].layer' }],
  ['unknown-layer.yaml', { code: 'unknown-layer', line: 7, col: 12, path: 'rules[0].layer' }],
  ['unknown-unless-layer.yaml', { code: 'unknown-layer', line: 9, col: 42, path: 'rules[0].unless[0].layer' }, 'did you mean `dense_1`?'],
  ['duplicate-rule-name.yaml', { code: 'duplicate-rule-name', line: 8, col: 5, path: 'rules[1].name' }],
  ['unknown-rule.yaml', { code: 'unknown-rule', line: 4, col: 5, path: 'rules[0].name' }, 'did you mean `eval-drift`?'],
  ['no-rules.yaml', { code: 'no-rules', line: 1, col: 1, path: 'rules' }],
  ['extends-not-found.yaml', { code: 'extends-not-found', line: 2, col: 10, path: 'extends' }],
  // The loop is reported where it closes: b extends a, which is already in the chain.
  ['extends-cycle-a.yaml', { code: 'extends-cycle', line: 2, col: 10, path: 'extends' }, 'remove one `extends` from the loop', 'extends-cycle-b.yaml'],
  ['too-deep.yaml', { code: 'too-deep', line: 9, col: 65, path: 'rules[0].annotations.deep.a.a.a.a.a.a.a.a.a.a.a.a.a' }],
];

for (const [fixture, expected, hint, reporter] of CASES) {
  test(`${expected.code}: ${fixture}`, () => {
    const problems = problemsOf(() => loadPolicy(join(DIR, fixture)));
    const p = problems.find((q) => q.code === expected.code);
    assert.ok(p, `no ${expected.code} among ${problems.map((q) => q.code).join(', ')}`);
    assert.deepEqual({ code: p.code, line: p.line, col: p.col, path: p.path }, expected);
    assert.equal(p.file, join(DIR, reporter ?? fixture));
    if (hint !== undefined) assert.equal(p.hint, hint);
  });
}

test("extends-escape: a relative extends may not leave the extending file's directory", () => {
  const problems = problemsOf(() => loadPolicy('test/fixtures/policies/extends/escape/child.yaml'));
  assert.deepEqual(
    problems.map((p) => [p.code, p.line, p.col, p.path]),
    [['extends-escape', 2, 10, 'extends']],
  );
  const abs = problemsOf(() => parsePolicy('version: 1\nextends: /etc/passwd\n'));
  assert.deepEqual(
    abs.map((p) => [p.code, p.line, p.col]),
    [['extends-escape', 2, 10]],
  );
});

test('file-not-found and file-too-large are reported before parsing, at 1:1', () => {
  const missing = problemsOf(() => loadPolicy(join(DIR, 'does-not-exist.yaml')));
  assert.deepEqual(
    missing.map((p) => [p.code, p.line, p.col, p.path]),
    [['file-not-found', 1, 1, '']],
  );
  const { dir, cleanup } = tempDir();
  try {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `version: 1\n${'#'.repeat(MAX_POLICY_BYTES)}\n`);
    assert.deepEqual(
      problemsOf(() => loadPolicy(big)).map((p) => p.code),
      ['file-too-large'],
    );
    assert.deepEqual(
      problemsOf(() => parsePolicy(`version: 1\n# ${'é'.repeat(MAX_POLICY_BYTES / 2)}\n`)).map((p) => p.code),
      ['file-too-large'],
    );
    assert.deepEqual(
      problemsOf(() => loadPolicy(dir)).map((p) => p.code),
      ['file-not-found'],
    );
  } finally {
    cleanup();
  }
});

test('every error code has a case above', () => {
  const covered = new Set([...CASES.map(([, e]) => e.code), 'extends-escape', 'file-not-found', 'file-too-large']);
  assert.deepEqual(
    [...Object.values(POLICY_ERROR_CODES)].filter((c) => !covered.has(c)),
    [],
  );
});

test('all problems of a file are reported together, sorted by position, and the message lists each', () => {
  const text = [
    'version: 1',
    'chek: {}',
    'rules:',
    '  - name: a',
    '    metric: subspace.overlp',
    '    op: "=<"',
    '    threshold: high',
    '    actions: [warn, abrot]',
    '    for: 0',
    '    severity: hi',
    '',
  ].join('\n');
  let err: unknown;
  try {
    parsePolicy(text, 'policy.yaml');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof PolicyError);
  assert.deepEqual(
    err.problems.map((p) => [p.code, p.line, p.col]),
    [
      ['unknown-key', 2, 1],
      ['unknown-metric', 5, 13],
      ['invalid-value', 6, 9],
      ['wrong-type', 7, 16],
      ['unknown-action', 8, 21],
      ['out-of-range', 9, 10],
      ['invalid-value', 10, 15],
    ],
  );
  assert.match(err.message, /^ {2}policy\.yaml:7:16 rules\[0\]\.threshold: expected a number, got "high"$/m);
  assert.match(err.message, /^ {2}policy\.yaml:2:1 chek: unknown key `chek` \(did you mean `check`\?\)$/m);
});

test('problems in an extended file name that file', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'base.yaml'), 'version: 1\nrules:\n  - name: x\n    metric: los\n    op: ">"\n    threshold: 1\n    actions: [warn]\n');
    writeFileSync(join(dir, 'child.yaml'), 'version: 1\nextends: ./base.yaml\ncheck: { rank: -1 }\n');
    const problems = problemsOf(() => loadPolicy('child.yaml', { baseDir: dir }));
    assert.deepEqual(
      problems.map((p) => [p.file, p.code, p.line, p.col]),
      [
        ['child.yaml', 'out-of-range', 3, 16],
        ['base.yaml', 'unknown-metric', 4, 13],
      ],
    );
  } finally {
    cleanup();
  }
});

test('YAML 1.1 surprises are plain strings in the core schema and rejected with a hint', () => {
  const problems = problemsOf(() => parsePolicy('version: 1\nextends: default\nrules:\n  - name: nonfinite\n    enabled: no\n'));
  assert.deepEqual(
    problems.map((p) => [p.code, p.path, p.hint]),
    [['wrong-type', 'rules[0].enabled', 'write true or false, unquoted']],
  );
  const quoted = problemsOf(() => parsePolicy('version: 1\nextends: default\ncheck: { rank: "8" }\n'));
  assert.deepEqual(
    quoted.map((p) => [p.code, p.hint]),
    [['wrong-type', 'remove the quotes']],
  );
  const merge = problemsOf(() => parsePolicy('version: 1\nextends: default\n<<: { rank: 2 }\n'));
  assert.deepEqual(
    merge.map((p) => p.code),
    ['unknown-key'],
  );
});

test('an unquoted > (a YAML block scalar) gets a quoting hint', () => {
  // `op: >` starts an (empty) folded block scalar, so op is "".
  const problems = problemsOf(() => parsePolicy('version: 1\nrules:\n  - name: a\n    metric: loss\n    op: >\n    threshold: 1\n    actions: [warn]\n'));
  assert.deepEqual(
    problems.map((p) => [p.code, p.path]),
    [['invalid-value', 'rules[0].op']],
  );
  assert.match(problems[0]?.hint ?? '', /quote the operator/);
});
