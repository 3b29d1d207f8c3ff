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
    const raw = e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e);
    // Node's "argument is ambiguous" message spans three lines (a value starting with a dash, e.g. a
    // negative number): keep one line, with its hint.
    const msg = raw.replace(/\.?\n(Did you forget[^\n]*\n)?/g, '; ').replace(/[.;\s]+$/, '');
    throw new CliError(`em-guard ${command}: ${msg}. Run \`em-guard ${command} --help\` for the list of flags.`);
  }
}
