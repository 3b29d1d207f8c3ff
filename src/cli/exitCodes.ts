/** Process exit codes shared by every `em-guard` subcommand. */
export const EXIT_OK = 0;
/** The command ran but found a problem (e.g. a checkpoint failed verification during a listing). */
export const EXIT_FAILURE = 1;
/** Bad input: unknown flag, unreadable file, invalid policy, corrupt checkpoint. Nothing was changed. */
export const EXIT_USAGE = 2;
