import { randomBytes } from 'node:crypto';
import { closeSync, fsync, fsyncSync, openSync, renameSync, rmSync, write, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const fsyncAsync = promisify(fsync);
const writeAsync = promisify(write);

/** Whether an fsync error means only that this filesystem cannot fsync a directory. */
function dirSyncUnsupported(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'EBADF';
}

/** fsync a directory so a rename inside it survives a power loss (no-op where unsupported). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    // Some filesystems refuse fsync on a directory (EISDIR/EINVAL/EPERM): nothing more we can do.
    if (!dirSyncUnsupported(e)) throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * `fsyncDir` on the thread pool: the calling thread (the training thread, for a checkpoint) neither
 * blocks on the disk nor runs the journal commit, and it overlaps other files' fsyncs.
 */
export async function fsyncDirAsync(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncAsync(fd);
  } catch (e) {
    if (!dirSyncUnsupported(e)) throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes all of `bytes` to an open fd and fsyncs it, on the thread pool; closes the fd either way.
 * `bytes` must not change until this settles. The returned promise is marked handled (a failure
 * surfaces where the caller awaits it, e.g. at a commit), so a write that fails before anyone
 * awaits it does not crash the process as an unhandled rejection.
 */
export function writeAndSyncAsync(fd: number, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const done = (async () => {
    try {
      let off = 0;
      while (off < bytes.length) off += (await writeAsync(fd, bytes, off, bytes.length - off)).bytesWritten;
      await fsyncAsync(fd);
    } finally {
      closeSync(fd);
    }
  })();
  done.catch(() => undefined);
  return done;
}

/** Writes all of `data` to an open fd and fsyncs it. */
export function writeAndSync(fd: number, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  fsyncSync(fd);
}

/**
 * Replaces `path` with `data` so that a reader (or a crash at any instant) sees either the old
 * complete file or the new complete file: temp file in the same directory, fsync, rename, fsync dir.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
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
