import { randomBytes } from 'node:crypto';
import { openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDirAsync, writeAndSyncAsync } from './writeFileAtomic.js';

/**
 * `writeFileAtomic` in two halves: the constructor creates a temp file and starts its write and
 * fsync on the thread pool; `commit()` waits for it, renames over `path` and fsyncs the directory. Lets a writer
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
    this.synced = writeAndSyncAsync(openSync(this.tmp, 'wx', 0o644), data);
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
    await fsyncDirAsync(dirname(this.path));
  }

  /** Drops the staged content; `path` is untouched. */
  async abort(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await this.synced.catch(() => undefined);
    rmSync(this.tmp, { force: true });
  }
}
