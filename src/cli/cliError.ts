import { EXIT_USAGE } from './exitCodes.js';

/**
 * An error meant for the person at the terminal: `message` is printed as one line (no stack),
 * and the process exits with `exitCode`.
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT_USAGE) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
