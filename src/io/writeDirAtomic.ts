import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDirAsync } from './fsyncDir.js';
import { startDurableWrite } from './startDurableWrite.js';

/** Prefix of the temporary sibling an `AtomicDirWriter` fills before renaming it into place. */
export const TEMP_DIR_PREFIX = '.tmp-';

/** The temp dir name used for `name`: `.tmp-<name>-<pid>-<random>`. */
export function tempDirName(name: string): string {
  return `${TEMP_DIR_PREFIX}${name}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** The writer pid encoded in a temp dir name, or null when the name is not one. */
export function tempDirPid(name: string): number | null {
  if (!name.startsWith(TEMP_DIR_PREFIX)) return null;
  const m = /-(\d+)-[0-9a-f]{8}$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Creates a directory all or nothing: files are added to a temp sibling (each file's write and
 * fsync run on the libuv thread pool, so the caller — the training thread, for checkpoints — can
 * hash or prepare the next file while the disk works), and `commit()` waits for every write and
 * fsync, fsyncs the temp dir, renames it to the final path and fsyncs the parent (on the pool too). A crash at any instant leaves either no final directory or a complete
 * one, plus at worst a `.tmp-*` sibling.
 */
export class AtomicDirWriter {
  readonly path: string;
  readonly tempPath: string;
  private syncs: Promise<void>[] = [];
  private done = false;

  /** `path` must not exist yet (a non-empty one makes `commit` fail; an empty one is replaced). */
  constructor(path: string) {
    this.path = path;
    this.tempPath = join(dirname(path), tempDirName(basename(path)));
    mkdirSync(this.tempPath);
  }

  /** Creates one file in the temp dir and starts its write and fsync; `data` must not change until `commit`. */
  add(name: string, data: Uint8Array | string): void {
    this.syncs.push(startDurableWrite(join(this.tempPath, name), data));
  }

  /** Makes the directory durable under its final name. */
  async commit(): Promise<void> {
    try {
      await Promise.all([...this.syncs, fsyncDirAsync(this.tempPath)]);
      await rename(this.tempPath, this.path); // on the pool, like the fsyncs: it may wait for the journal
      this.done = true;
    } catch (e) {
      await this.abort();
      throw e;
    }
    await fsyncDirAsync(dirname(this.path));
  }

  /** Removes the temp dir (after any pending fsync settles). */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await Promise.allSettled(this.syncs);
    rmSync(this.tempPath, { recursive: true, force: true });
  }
}
