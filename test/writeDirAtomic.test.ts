import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicDirWriter, tempDirPid } from '../src/io/writeDirAtomic.js';
import { StagedFile } from '../src/io/StagedFile.js';
import { tempDir } from './tempDir.js';

test('AtomicDirWriter: nothing visible under the final name until commit; then exactly the files', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = new AtomicDirWriter(join(dir, 'ckpt'));
    w.add('a.bin', new Uint8Array([1, 2, 3]));
    w.add('b.json', '{"x":1}');
    assert.deepEqual(
      readdirSync(dir).filter((f) => !f.startsWith('.tmp-')),
      [],
    );
    assert.equal(tempDirPid(readdirSync(dir)[0]!), process.pid);
    await w.commit();
    assert.deepEqual(readdirSync(dir), ['ckpt']);
    assert.deepEqual(readdirSync(join(dir, 'ckpt')).sort(), ['a.bin', 'b.json']);
    assert.deepEqual([...readFileSync(join(dir, 'ckpt', 'a.bin'))], [1, 2, 3]);
  } finally {
    cleanup();
  }
});

test('AtomicDirWriter: a commit onto a non-empty dir fails, leaves it alone and removes the temp dir; abort cleans up', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken', 'mine'), 'keep');
    const w = new AtomicDirWriter(join(dir, 'taken'));
    w.add('a', 'new');
    await assert.rejects(w.commit(), /ENOTEMPTY|EEXIST/);
    assert.deepEqual(readdirSync(dir), ['taken']);
    assert.deepEqual(readdirSync(join(dir, 'taken')), ['mine']);
    const a = new AtomicDirWriter(join(dir, 'other'));
    a.add('x', 'y');
    await a.abort();
    assert.deepEqual(readdirSync(dir), ['taken']);
    assert.throws(() => a.add('x', 'again'), /ENOENT/);
    assert.equal(tempDirPid('ckpt-000001-e000'), null);
  } finally {
    cleanup();
  }
});

test('StagedFile: the old content stays until commit; abort leaves it untouched', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'index.json');
    writeFileSync(path, 'old');
    const staged = new StagedFile(path, 'new');
    assert.equal(readFileSync(path, 'utf8'), 'old');
    await staged.commit();
    assert.equal(readFileSync(path, 'utf8'), 'new');
    const dropped = new StagedFile(path, 'never');
    await dropped.abort();
    assert.equal(readFileSync(path, 'utf8'), 'new');
    assert.deepEqual(readdirSync(dir), ['index.json']);
  } finally {
    cleanup();
  }
});
