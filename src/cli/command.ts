import type { CliIo } from './cliIo.js';

/** One `em-guard <name>` subcommand. `run` returns the exit code; it throws CliError for bad input. */
export interface Command {
  name: string;
  /** One line for `em-guard --help`. */
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
