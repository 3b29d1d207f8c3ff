import { randomBytes } from 'node:crypto';
import { closeSync, fsync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fsyncDir } from './writeFileAtomic.js';

const fsyncAsync = promisify(fsync);

/**
 * `writeFileAtomic` in two halves: the constructor writes a temp file and starts its fsync on the
 * thread pool; `commit()` waits for it, renames over `path` and fsyncs the directory. Lets a writer
 * flush a file while it makes something else durable first (the checkpoint index is staged while
 * the checkpoint directory syncs, and renamed only after it is in place).
 */
export class StagedFile {
  readonly path: string;
  private readonly tmp: string;
  private readonly synced: Promise<void>;
  private settled = false;

  constructor(path: string, data: Uint8Array | string) {
    this.path = path;
    this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const fd = openSync(this.tmp, 'wx', 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      closeSync(fd);
      rmSync(this.tmp, { force: true });
      throw e;
    }
    this.synced = fsyncAsync(fd).finally(() => closeSync(fd));
  }

  /** Replaces `path` with the staged content, durably. */
  async commit(): Promise<void> {
    try {
      await this.synced;
      renameSync(this.tmp, this.path);
      this.settled = true;
    } catch (e) {
      await this.abort();
      throw e;
    }
    fsyncDir(dirname(this.path));
  }

  /** Drops the staged content; `path` is untouched. */
  async abort(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await this.synced.catch(() => undefined);
    rmSync(this.tmp, { force: true });
  }
}
