import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CheckpointError } from '../checkpoints/CheckpointError.js';
import { CliError } from './cliError.js';
import type { CliIo } from './cliIo.js';

/** The `<runDir>` positional of a command, resolved against the cwd; exactly one, and it must be a directory. */
export function runDirArgument(command: string, positionals: string[], io: CliIo): string {
  if (positionals.length !== 1) {
    throw new CliError(
      `em-guard ${command}: expected exactly one run directory, got ${positionals.length === 0 ? 'none' : positionals.map((p) => `\`${p}\``).join(' ')}. Run \`em-guard ${command} --help\`.`,
    );
  }
  const dir = resolve(io.cwd, positionals[0]!);
  if (!existsSync(dir)) throw new CliError(`em-guard ${command}: run directory \`${dir}\` does not exist`);
  if (!statSync(dir).isDirectory()) throw new CliError(`em-guard ${command}: \`${dir}\` is not a directory (expected a run directory holding checkpoints/)`);
  return dir;
}

/** A CheckpointError (bad id, damaged checkpoint, no index) as a one-line usage error. */
export function checkpointCliError(command: string, e: unknown): unknown {
  return e instanceof CheckpointError ? new CliError(`em-guard ${command}: ${e.message}`) : e;
}
