import { close, closeSync, fsync, fsyncSync, open, openSync } from 'node:fs';
import { promisify } from 'node:util';

const fsyncAsync = promisify(fsync);
const openAsync = promisify(open);
const closeAsync = promisify(close);

/** Some filesystems refuse fsync on a directory (EISDIR/EINVAL/EPERM/EBADF): nothing more can be done there. */
function refusedOnDirectory(e: unknown): boolean {
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
    if (!refusedOnDirectory(e)) throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * `fsyncDir` on the thread pool, open and close included, so it overlaps the fsyncs of the files
 * inside and never blocks the calling (training) thread on the journal.
 */
export async function fsyncDirAsync(dir: string): Promise<void> {
  const fd = await openAsync(dir, 'r');
  try {
    await fsyncAsync(fd);
  } catch (e) {
    if (!refusedOnDirectory(e)) throw e;
  } finally {
    await closeAsync(fd);
  }
}
