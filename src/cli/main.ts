import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/packageRoot.js';
import { CliError } from './cliError.js';
import type { CliIo } from './cliIo.js';
import { commands } from './commands.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exitCodes.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  return [
    'Usage: em-guard <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `em-guard <command> --help` for the flags of one command.',
  ].join('\n');
}

/** The whole CLI as a function, so tests can drive it without spawning a process. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    io.stdout(pkg.version);
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`em-guard: unknown command \`${name}\`. Known commands: ${commands.map((c) => c.name).join(', ')}. Run \`em-guard --help\`.`);
    return EXIT_USAGE;
  }
  try {
    return await (await command.load()).run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr(e.message);
      return e.exitCode;
    }
    // An unexpected failure is a bug in em-guard, not bad input: keep the stack for the report.
    io.stderr(`em-guard ${name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT_FAILURE;
  }
}
