import { StagedFile } from '../io/StagedFile.js';
import { AtomicDirWriter } from '../io/writeDirAtomic.js';
import { removeCheckpointDir } from './removeCheckpointDir.js';

/**
 * The files written last (the manifest, which names the others' hashes), the new `index.json`,
 * and the checkpoint directories that index drops (`evict`: each with its files' names), removed
 * once it is committed.
 */
export interface CheckpointDirTail {
  files: [string, Uint8Array | string][];
  index: { path: string; data: string };
  evict?: { dir: string; files: string[] }[];
}

/**
 * Makes one checkpoint durable, in the store's order: `files` go into a temp sibling of `dir`
 * (each written and fsynced on the libuv pool), then `tail()` gives the last files (computed while
 * the first ones sync: the manifest with their hashes) and the new index, staged alongside; once
 * every file and the temp dir are fsynced the dir is renamed to `dir` and its parent fsynced, and
 * only then is the index renamed over `index.json` (and its dir fsynced). A crash at any instant
 * leaves the previous index, listing complete checkpoints only, plus at worst a `.tmp-*` dir or
 * staged index file that the store removes on its next open. The same code runs on the training
 * thread (`CheckpointStore`) and on the capture worker (a checkpoint whose bytes it packed).
 */
export async function writeCheckpointDir(dir: string, files: readonly [string, Uint8Array | string][], tail: () => CheckpointDirTail): Promise<void> {
  const writer = new AtomicDirWriter(dir);
  let index: StagedFile;
  let evict: NonNullable<CheckpointDirTail['evict']> = [];
  try {
    for (const [name, data] of files) writer.add(name, data);
    const last = tail();
    for (const [name, data] of last.files) writer.add(name, data);
    index = new StagedFile(last.index.path, last.index.data);
    evict = last.evict ?? [];
  } catch (e) {
    await writer.abort();
    throw e;
  }
  try {
    await writer.commit();
  } catch (e) {
    await index.abort();
    throw e;
  }
  await index.commit();
  // Not awaited: the evicted directories go in the background (one after another), as the store's
  // own removal does; one that stays (a failure, the process ending) is removed by the store's next open.
  void evict.reduce<Promise<void>>((chain, e) => chain.then(() => removeCheckpointDir(e.dir, e.files).catch(() => undefined)), Promise.resolve());
}
