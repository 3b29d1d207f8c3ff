import { rmSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDirAsync } from './fsyncDir.js';
import { startDurableWrite } from './startDurableWrite.js';
import { tempFilePath } from './writeFileAtomic.js';

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
    this.tmp = tempFilePath(path);
    this.synced = startDurableWrite(this.tmp, data);
  }

  /** Replaces `path` with the staged content, durably. */
  async commit(): Promise<void> {
    try {
      await this.synced;
      // On the pool: a rename waits for the journal while other files' fsyncs commit it.
      await rename(this.tmp, this.path);
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
