import { CheckpointError, type CheckpointErrorCode } from './CheckpointError.js';
import type { CheckpointSelector } from './CheckpointManifest.js';
import { checkpointsDir, readIndex } from './checkpointIndex.js';
import { selectCandidates } from './selectCheckpoint.js';
import { verifyCheckpoint, type VerifiedCheckpoint } from './verifyCheckpoint.js';

const DAMAGE: ReadonlySet<CheckpointErrorCode> = new Set(['MISSING_FILE', 'SIZE_MISMATCH', 'HASH_MISMATCH', 'CORRUPT_MANIFEST', 'CORRUPT_MODEL']);

/** A verified checkpoint, and the damaged ones skipped on the way when falling back. */
export interface ResolvedCheckpoint {
  checkpoint: VerifiedCheckpoint;
  skipped: CheckpointError[];
}

/**
 * Picks the checkpoint a selector names and verifies it. A damaged one is an error naming the bad
 * file, unless `fallback` is set: then the next candidate (the previous checkpoint, the next-safest,
 * the next-best) is tried, and the skipped ones are returned. Needs no tfjs backend.
 */
export function resolveCheckpoint(runDir: string, selector: CheckpointSelector, options: { fallback?: boolean } = {}): ResolvedCheckpoint {
  const where = checkpointsDir(runDir);
  const index = readIndex(runDir);
  if (!index) {
    throw new CheckpointError('NO_CHECKPOINTS', `No checkpoint index at ${where}/index.json: this run dir has no checkpoints (was the guard given a runDir?)`);
  }
  const candidates = selectCandidates(index, selector, where);
  const skipped: CheckpointError[] = [];
  for (const manifest of candidates) {
    try {
      return { checkpoint: verifyCheckpoint(runDir, manifest), skipped };
    } catch (e) {
      if (!(e instanceof CheckpointError) || !DAMAGE.has(e.code) || !options.fallback) throw e;
      skipped.push(e);
    }
  }
  const first = skipped[0]!;
  throw new CheckpointError(first.code, `${first.message}; fallback found no intact checkpoint among ${skipped.length} candidates for \`${selector}\``, {
    ...(first.file !== undefined && { file: first.file }),
    ...(first.id !== undefined && { id: first.id }),
  });
}
