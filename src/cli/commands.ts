import type { Command } from './command.js';
import { reportCommand } from './reportCommand.js';

/** Every subcommand, in the order `em-guard --help` lists them. Each lives in its own file. */
export const commands: Command[] = [reportCommand];
