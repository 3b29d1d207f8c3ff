import { closeSync, fsync, openSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { writeAll } from './writeAll.js';

const fsyncAsync = promisify(fsync);

/**
 * Creates `path` (which must not exist), writes `data` to it now and starts its fsync on the libuv
 * thread pool, so the caller can prepare the next file while the disk works; the promise settles
 * when the data is durable, and the fd is closed then. A failed write closes the fd, removes the
 * partial file and throws.
 */
export function startDurableWrite(path: string, data: Uint8Array | string): Promise<void> {
  const fd = openSync(path, 'wx', 0o644);
  try {
    writeAll(fd, data);
  } catch (e) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw e;
  }
  return fsyncAsync(fd).finally(() => closeSync(fd));
}
