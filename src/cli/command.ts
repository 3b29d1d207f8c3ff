import type { CliIo } from './cliIo.js';

/** One `em-guard <name>` subcommand (its `--help` line lives in `commands.ts`). `run` returns the exit code; it throws CliError for bad input. */
export interface Command {
  name: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
