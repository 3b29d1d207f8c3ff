import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDir } from './fsyncDir.js';
import { writeAll } from './writeAll.js';

/** Writes all of `data` to an open fd and fsyncs it. */
export function writeAndSync(fd: number, data: Uint8Array | string): void {
  writeAll(fd, data);
  fsyncSync(fd);
}

/** The temp sibling a file is written to before it is renamed over `path`: `.<name>.<pid>.<random>.tmp`. */
export function tempFilePath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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
