/** Why a .npy file was rejected; tests and callers branch on `code`, people read `message`. */
export type NpyErrorCode = 'NPY_MAGIC' | 'NPY_HEADER' | 'NPY_DTYPE' | 'NPY_NDIM' | 'NPY_TRUNCATED';

/** A .npy file em-guard cannot read, with a one-line message that says what to do about it. */
export class NpyError extends Error {
  readonly code: NpyErrorCode;
  constructor(code: NpyErrorCode, message: string) {
    super(message);
    this.name = 'NpyError';
    this.code = code;
  }
}
