// `em-guard validate` through main(): summaries, all errors of all files, --json, exit codes.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryIo } from '../src/cli/cliIo.js';
import { EXIT_OK, EXIT_USAGE } from '../src/cli/exitCodes.js';
import { main } from '../src/cli/main.js';
import { describePolicy } from '../src/policy/describePolicy.js';
import { loadPolicy } from '../src/policy/loadPolicy.js';
import { tempDir } from './tempDir.js';

test('valid files: exit 0, one summary line each with rules, schedule and actions', async () => {
  const io = memoryIo();
  const code = await main(['validate', 'test/fixtures/policies/valid.yaml', 'default'], io);
  assert.equal(code, EXIT_OK);
  assert.deepEqual(io.err, []);
  assert.equal(io.out.length, 2);
  assert.equal(io.out[0], `test/fixtures/policies/valid.yaml: ok: ${describePolicy(loadPolicy('test/fixtures/policies/valid.yaml')).text}`);
  assert.match(io.out[0]!, /1 rule \(1 info\), check every epoch after a 100-batch warmup, rank 16, 2 layers; actions: none/);
  assert.match(io.out[1]!, /^default: ok: 6 rules \(3 critical, 2 warning, 1 info\), check every 5 batches, .*actions: abort, checkpoint, rollback, warn$/);
});

test('invalid files: exit 2, every problem of every file on stderr, valid ones still summarised', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'a.yaml'), 'version: 1\nrules:\n  - { name: x, metric: drift.evl, op: ">", threshold: high, actions: [warn] }\n');
    writeFileSync(join(dir, 'ok.yaml'), 'version: 1\nextends: observe\n');
    const io = memoryIo(dir);
    const code = await main(['validate', 'a.yaml', 'missing.yaml', 'ok.yaml'], io);
    assert.equal(code, EXIT_USAGE);
    assert.equal(io.out.length, 1);
    assert.match(io.out[0]!, /^ok\.yaml: ok: 4 rules/);
    const err = io.err.join('\n');
    assert.match(err, /^a\.yaml: 2 problems$/m);
    assert.match(err, /^ {2}a\.yaml:3:24 rules\[0\]\.metric: unknown metric "drift\.evl" \(did you mean `drift\.eval`\?\)$/m);
    assert.match(err, /^ {2}a\.yaml:3:55 rules\[0\]\.threshold: expected a number, got "high"$/m);
    assert.match(err, /^ {2}missing\.yaml:1:1: cannot read the policy file \(ENOENT\)/m);
  } finally {
    cleanup();
  }
});

test('--json: one object with per-file summary or problems (codes and positions)', async () => {
  const io = memoryIo();
  const code = await main(['validate', '--json', 'strict', 'test/fixtures/policies/errors/unknown-action.yaml'], io);
  assert.equal(code, EXIT_USAGE);
  assert.equal(io.out.length, 1);
  const out = JSON.parse(io.out[0]!) as {
    ok: boolean;
    files: { file: string; ok: boolean; summary?: { rules: number }; problems?: { code: string; line: number; col: number }[] }[];
  };
  assert.equal(out.ok, false);
  assert.equal(out.files[0]?.ok, true);
  assert.equal(out.files[0]?.summary?.rules, 6);
  assert.deepEqual(
    out.files[1]?.problems?.map((p) => [p.code, p.line, p.col]),
    [['unknown-action', 7, 21]],
  );
  const good = memoryIo();
  assert.equal(await main(['validate', '--json', 'observe'], good), EXIT_OK);
  assert.equal((JSON.parse(good.out[0]!) as { ok: boolean }).ok, true);
});

test('usage errors: no file, unknown flag; --help documents the flags', async () => {
  const none = memoryIo();
  assert.equal(await main(['validate'], none), EXIT_USAGE);
  assert.match(none.err[0]!, /expected at least one policy file/);
  const bad = memoryIo();
  assert.equal(await main(['validate', '--jsno', 'default'], bad), EXIT_USAGE);
  assert.match(bad.err[0]!, /--jsno/);
  const help = memoryIo();
  assert.equal(await main(['validate', '--help'], help), EXIT_OK);
  assert.match(help.out[0]!, /--json/);
});
