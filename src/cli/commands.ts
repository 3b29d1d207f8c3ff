import type { Command } from './command.js';
import { analyzeCommand } from './analyzeCommand.js';
import { analyzeRunsCommand } from './analyzeRunsCommand.js';
import { checkpointsCommand } from './checkpointsCommand.js';
import { reportCommand } from './reportCommand.js';
import { rollbackCommand } from './rollbackCommand.js';
import { screenCommand } from './screenCommand.js';
import { forecastCommand } from './forecastCommand.js';
import { recommendCommand } from './recommendCommand.js';
import { sweepCommand } from './sweepCommand.js';
import { validateCommand } from './validateCommand.js';
// Sweeps across machines (issue 18): BullMQ workers and the queue's status.
import { sweepStatusCommand } from './sweepStatusCommand.js';
import { workerCommand } from './workerCommand.js';

/** Every subcommand, in the order `em-guard --help` lists them. Each lives in its own file. */
export const commands: Command[] = [
  analyzeCommand,
  analyzeRunsCommand,
  reportCommand,
  sweepCommand,
  workerCommand,
  sweepStatusCommand,
  validateCommand,
  checkpointsCommand,
  rollbackCommand,
  screenCommand,
  forecastCommand,
  recommendCommand,
];
