import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDir } from './fsyncDir.js';
import { writeAll } from './writeAll.js';

/** Writes all of `data` to an open fd and fsyncs it. */
export function writeAndSync(fd: number, data: Uint8Array | string): void {
  writeAll(fd, data);
  fsyncSync(fd);
}

/**
 * The temp sibling a file is written to before it is renamed over `path`: `.<name>.<pid>.<random>.tmp`
 * (8 hex digits). The suffix only keeps one process's writers apart (the file is opened exclusively,
 * so a clash fails loudly instead of sharing a file), so Math.random serves: node:crypto cost a
 * one-shot command such as `analyze` ≈ 10 ms CPU to load.
 */
export function tempFilePath(path: string): string {
  const random = Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');
  return join(dirname(path), `.${basename(path)}.${process.pid}.${random}.tmp`);
}

/**
 * Replaces `path` with `data` so that a reader (or a crash at any instant) sees either the old
 * complete file or the new complete file: temp file in the same directory, fsync, rename, fsync dir.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  const tmp = tempFilePath(path);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeAndSync(fd, data);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dir);
}
