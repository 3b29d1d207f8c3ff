import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StagedFile } from '../io/StagedFile.js';
import { CheckpointError } from './CheckpointError.js';
import type { BestMetric, CheckpointIndex, CheckpointManifest } from './CheckpointManifest.js';

export const CHECKPOINTS_DIR = 'checkpoints';
export const INDEX_FILE = 'index.json';
export const MANIFEST_FILE = 'manifest.json';
export const OPTIMIZER_BIN = 'optimizer.bin';
export const OPTIMIZER_JSON = 'optimizer.json';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `runDir/checkpoints`. */
export function checkpointsDir(runDir: string): string {
  return join(runDir, CHECKPOINTS_DIR);
}

/**
 * Throws unless `id` is a plain directory name (letters, digits, `.`, `_`, `-`; no `..`), so an id
 * from the command line can never address a path outside `checkpoints/`.
 */
export function assertValidId(id: string): void {
  if (typeof id !== 'string' || !ID_PATTERN.test(id) || id.includes('..') || id.length > 200) {
    throw new CheckpointError(
      'INVALID_ID',
      `Expected a checkpoint id like \`ckpt-000150-e002\` (letters, digits, '.', '_', '-'; no '..' or '/'), got \`${String(id)}\``,
      { id: String(id) },
    );
  }
}

/** Sortable, human id for a checkpoint; a numeric suffix keeps it unique among `taken`. */
export function checkpointId(step: number, epoch: number, taken: (id: string) => boolean): string {
  const base = `ckpt-${String(step).padStart(6, '0')}-e${String(epoch).padStart(3, '0')}`;
  if (!taken(base)) return base;
  for (let n = 1; ; n++) {
    const id = `${base}-${n}`;
    if (!taken(id)) return id;
  }
}

/** An empty index (no checkpoint written yet). */
export function emptyIndex(best: BestMetric | null): CheckpointIndex {
  return { format: 'em-guard-checkpoints', version: 1, best, checkpoints: [] };
}

/**
 * Reads `runDir/checkpoints/index.json`; `null` when it does not exist yet. A file that exists but
 * does not parse is an error (the index is only ever replaced atomically, so this means damage).
 */
export function readIndex(runDir: string): CheckpointIndex | null {
  const path = join(checkpointsDir(runDir), INDEX_FILE);
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(
      'CORRUPT_INDEX',
      `${path} is not valid JSON (${(e as Error).message}); restore it from a backup or delete it to start a new checkpoint list`,
      { file: path },
    );
  }
  const index = parsed as Partial<CheckpointIndex> | null;
  if (!index || index.format !== 'em-guard-checkpoints' || !Array.isArray(index.checkpoints)) {
    throw new CheckpointError(
      'CORRUPT_INDEX',
      `${path} is not an em-guard checkpoint index (expected "format": "em-guard-checkpoints" and a "checkpoints" array)`,
      { file: path },
    );
  }
  for (const [i, c] of index.checkpoints.entries()) {
    if (!c || typeof c.id !== 'string' || typeof c.step !== 'number' || typeof c.files !== 'object' || c.files === null) {
      throw new CheckpointError('CORRUPT_INDEX', `${path}: entry ${i} is not a checkpoint manifest (expected "id", "step" and "files")`, { file: path });
    }
  }
  return { format: 'em-guard-checkpoints', version: 1, best: index.best ?? null, checkpoints: index.checkpoints as CheckpointManifest[] };
}

/** Where `index` goes and its bytes: `runDir/checkpoints/index.json`. */
export function indexFile(runDir: string, index: CheckpointIndex): { path: string; data: string } {
  return { path: join(checkpointsDir(runDir), INDEX_FILE), data: JSON.stringify(index, null, 1) + '\n' };
}

/** Stages a new index (temp file, fsync started); `commit()` renames it over `index.json`. */
export function stageIndex(runDir: string, index: CheckpointIndex): StagedFile {
  const { path, data } = indexFile(runDir, index);
  return new StagedFile(path, data);
}
