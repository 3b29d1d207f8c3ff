import { rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { MODEL_JSON, WEIGHTS_BIN } from '../io/fileSystemHandler.js';
import { MANIFEST_FILE, OPTIMIZER_BIN, OPTIMIZER_JSON } from './checkpointIndex.js';

const STORE_FILES: ReadonlySet<string> = new Set([WEIGHTS_BIN, MODEL_JSON, OPTIMIZER_BIN, OPTIMIZER_JSON]);

/**
 * Removes an evicted checkpoint's directory by the names its manifest lists (`files`: the files the
 * store wrote; `manifest.json` besides), then the directory: a handful of unlinks where a recursive
 * `rm` stats, lists and retries (≈ 14 file-system calls per checkpoint, each a thread-pool job whose
 * callback runs on the calling thread). Anything else in it (a file put there by hand), or a name
 * outside the store's own (an index edited by hand cannot point the unlinks elsewhere), falls back
 * to the recursive `rm`.
 */
export async function removeCheckpointDir(dir: string, files: readonly string[]): Promise<void> {
  try {
    if (!files.every((name) => STORE_FILES.has(name))) throw new Error("not only the store's files");
    // One at a time: each is a thread-pool job, and a burst of them wakes several pool threads at once.
    for (const name of [...files, MANIFEST_FILE]) await unlink(join(dir, name));
    await rmdir(dir);
  } catch {
    await rm(dir, { recursive: true, force: true });
  }
}
