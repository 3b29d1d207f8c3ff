/** Machine-readable reason a checkpoint operation failed; tests and callers branch on it. */
export type CheckpointErrorCode =
  | 'NO_CHECKPOINTS'
  | 'CORRUPT_INDEX'
  | 'INVALID_ID'
  | 'UNKNOWN_ID'
  | 'NO_SAFE'
  | 'NO_BEST_METRIC'
  | 'NO_BEST'
  | 'MISSING_FILE'
  | 'SIZE_MISMATCH'
  | 'HASH_MISMATCH'
  | 'CORRUPT_MANIFEST'
  | 'CORRUPT_MODEL'
  | 'SHAPE_MISMATCH'
  | 'OPTIMIZER_MISMATCH'
  | 'NO_OPTIMIZER'
  | 'INVALID_ARGUMENT';

/**
 * A checkpoint could not be written, found or trusted. `code` says why, `file` names the damaged
 * file when there is one, `id` the checkpoint concerned.
 */
export class CheckpointError extends Error {
  readonly code: CheckpointErrorCode;
  readonly file: string | undefined;
  readonly id: string | undefined;
  constructor(code: CheckpointErrorCode, message: string, details: { file?: string; id?: string } = {}) {
    super(message);
    this.name = 'CheckpointError';
    this.code = code;
    this.file = details.file;
    this.id = details.id;
  }
}
