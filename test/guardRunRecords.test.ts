import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { guardRunRecords } from './fixtures/guardRunRecordsFit.js';
import { tempDir, useBackend } from './helpers.js';

type Rec = { type: string; step?: number };

/** Checkpoint records come once their write is durable, so their place among the others is the disk's: compared apart, by step. */
function split(records: unknown[]): { inOrder: unknown[]; checkpoints: unknown[] } {
  const rs = records as Rec[];
  return {
    inOrder: rs.filter((r) => r.type !== 'checkpoint'),
    checkpoints: rs.filter((r) => r.type === 'checkpoint').sort((a, b) => a.step! - b.step!),
  };
}

test("a seeded guarded fit writes the same run-log records and check events as main's code did (test/fixtures/guardRunRecords.json)", async () => {
  // The fixture holds wasm's numbers, whatever backend the other tests use.
  await useBackend('wasm');
  const { dir, cleanup } = tempDir();
  try {
    const expected = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'guardRunRecords.json'), 'utf8')) as {
      records: unknown[];
      checks: unknown[];
    };
    const got = await guardRunRecords(dir);
    // Through JSON, as the fixture went: key order and every number's digits count.
    const actual = JSON.parse(JSON.stringify(got)) as typeof got;
    assert.equal(JSON.stringify(split(actual.records).inOrder), JSON.stringify(split(expected.records).inOrder));
    assert.equal(JSON.stringify(split(actual.records).checkpoints), JSON.stringify(split(expected.records).checkpoints));
    assert.equal(JSON.stringify(actual.checks), JSON.stringify(expected.checks));
  } finally {
    cleanup();
  }
});
