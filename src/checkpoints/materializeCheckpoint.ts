import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MODEL_JSON, WEIGHTS_BIN } from '../io/fileSystemHandler.js';
import { AtomicDirWriter } from '../io/writeDirAtomic.js';
import { CheckpointError } from './CheckpointError.js';
import { MANIFEST_FILE } from './checkpointIndex.js';
import type { VerifiedCheckpoint } from './verifyCheckpoint.js';

/** Marker file of a materialised rollback: which run and checkpoint it came from. */
export const ROLLBACK_MARKER = 'rollback.json';

/** Contents of `rollback.json`. */
export interface RollbackMarker {
  kind: 'em-guard-rollback';
  runDir: string;
  checkpoint: string;
  step: number;
  epoch: number;
  created: string;
}

/**
 * Why `dir` may not be replaced by a rollback, or null when it may: it does not exist, is empty, or
 * is an earlier rollback output (holds `rollback.json`). Anything else is someone's data.
 */
export function rollbackTargetProblem(dir: string): string | null {
  if (!existsSync(dir)) return null;
  if (!lstatSync(dir).isDirectory()) return `\`${dir}\` exists and is not a directory`;
  const entries = readdirSync(dir);
  if (entries.length === 0) return null;
  if (!entries.includes(ROLLBACK_MARKER))
    return `\`${dir}\` is a non-empty directory that is not an earlier rollback (no ${ROLLBACK_MARKER}); choose another --out or empty it`;
  try {
    const marker = JSON.parse(readFileSync(join(dir, ROLLBACK_MARKER), 'utf8')) as Partial<RollbackMarker>;
    if (marker.kind === 'em-guard-rollback') return null;
  } catch {
    // fall through
  }
  return `\`${dir}\` holds a ${ROLLBACK_MARKER} that em-guard did not write; choose another --out`;
}

/**
 * Writes a verified checkpoint as a standalone tfjs model directory (`model.json` + `weights.bin`,
 * plus its `manifest.json` and a `rollback.json` marker) at `outDir`, atomically: a temp sibling is
 * filled and fsynced, an earlier rollback at `outDir` is moved aside, the new one renamed in, the
 * old one removed. Refuses to replace anything but an empty dir or an earlier rollback.
 */
export async function materializeCheckpoint(checkpoint: VerifiedCheckpoint, outDir: string, runDir: string): Promise<RollbackMarker> {
  const problem = rollbackTargetProblem(outDir);
  if (problem) throw new CheckpointError('INVALID_ARGUMENT', problem, { file: outDir });
  const { manifest } = checkpoint;
  const marker: RollbackMarker = {
    kind: 'em-guard-rollback',
    runDir,
    checkpoint: manifest.id,
    step: manifest.step,
    epoch: manifest.epoch,
    created: new Date().toISOString(),
  };
  mkdirSync(dirname(outDir), { recursive: true });
  const writer = new AtomicDirWriter(outDir);
  try {
    for (const name of [MODEL_JSON, WEIGHTS_BIN, MANIFEST_FILE]) writer.add(name, checkpoint.bytes.get(name)!);
    writer.add(ROLLBACK_MARKER, JSON.stringify(marker, null, 1) + '\n');
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const aside = existsSync(outDir) ? join(dirname(outDir), `.old-${basename(outDir)}-${process.pid}-${randomBytes(4).toString('hex')}`) : null;
  if (aside) renameSync(outDir, aside);
  try {
    await writer.commit();
  } catch (e) {
    if (aside) renameSync(aside, outDir);
    throw e;
  }
  if (aside) rmSync(aside, { recursive: true, force: true });
  return marker;
}
