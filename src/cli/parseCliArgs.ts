import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './cliError.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `util.parseArgs` in strict mode, with its errors turned into one-line CliErrors that name the
 * command and point at `--help`.
 */
export function parseCliArgs<O extends Options>(command: string, argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e);
    throw new CliError(`em-guard ${command}: ${msg}. Run \`em-guard ${command} --help\` for the list of flags.`);
  }
}
