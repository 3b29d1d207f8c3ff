import { close, closeSync, fsync, openSync, rmSync, write } from 'node:fs';
import { promisify } from 'node:util';

const fsyncAsync = promisify(fsync);
const writeAsync = promisify(write);
const closeAsync = promisify(close);

/**
 * Creates `path` (which must not exist; an error opening it throws here) and writes and fsyncs
 * `data` on the libuv thread pool, so the calling thread (the training thread, for a checkpoint)
 * neither copies to the page cache nor blocks on the disk. The promise settles when the data is
 * durable; the fd is closed either way, and a failed write removes the partial file. `data` must
 * not change until then. The promise is marked handled: a failure surfaces where the caller awaits
 * it (a commit), never as an unhandled rejection before that.
 */
export function startDurableWrite(path: string, data: Uint8Array | string): Promise<void> {
  const fd = openSync(path, 'wx', 0o644);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const done = (async () => {
    try {
      let off = 0;
      while (off < bytes.length) off += (await writeAsync(fd, bytes, off, bytes.length - off)).bytesWritten;
      await fsyncAsync(fd);
    } catch (e) {
      closeSync(fd);
      rmSync(path, { force: true });
      throw e;
    }
    await closeAsync(fd);
  })();
  done.catch(() => undefined);
  return done;
}
