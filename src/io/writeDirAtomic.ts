import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDir, writeAndSync } from './writeFileAtomic.js';

/** Prefix of the temporary sibling `writeDirAtomic` fills before renaming it into place. */
export const TEMP_DIR_PREFIX = '.tmp-';

/** The temp dir name `writeDirAtomic` uses: `.tmp-<name>-<pid>-<random>`. */
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
 * Creates directory `path` holding exactly `files`, all or nothing: the files go into a temp
 * sibling, each is fsynced, the temp dir is renamed to `path` and the parent is fsynced. A crash at
 * any instant leaves either no `path` or a complete one (plus, at worst, a `.tmp-*` sibling).
 * `path` must not exist.
 */
export function writeDirAtomic(path: string, files: readonly (readonly [string, Uint8Array | string])[]): void {
  const parent = dirname(path);
  const tmp = join(parent, tempDirName(basename(path)));
  mkdirSync(tmp);
  try {
    for (const [name, data] of files) {
      const fd = openSync(join(tmp, name), 'wx', 0o644);
      try {
        writeAndSync(fd, data);
      } finally {
        closeSync(fd);
      }
    }
    fsyncDir(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fsyncDir(parent);
}
