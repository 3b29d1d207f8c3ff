import { parseQueueUrl, QueueUrlError, type QueueUrl } from '../sweep/queueUrl.js';
import { CliError } from './cliError.js';

/** Parses a command's `--queue` value into a Redis address, or a CliError (exit 2) naming the command. */
export function queueArgument(command: string, raw: string | undefined): QueueUrl {
  if (raw === undefined) throw new CliError(`em-guard ${command}: expected \`--queue redis://host:port[/db]\` (the Redis the sweep's workers share)`);
  try {
    return parseQueueUrl(raw);
  } catch (e) {
    if (e instanceof QueueUrlError) throw new CliError(`em-guard ${command}: --queue ${e.message}`);
    throw e;
  }
}
