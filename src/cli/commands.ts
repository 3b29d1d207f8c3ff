import type { Command } from './command.js';

/** A subcommand as `em-guard --help` lists it; its module is imported only when it runs. */
export interface CommandEntry {
  name: string;
  /** One line for `em-guard --help`. */
  summary: string;
  load(): Promise<Command>;
}

/**
 * Every subcommand, in the order `em-guard --help` lists them. Each lives in its own file, loaded on
 * demand: importing all of them (tfjs, its wasm backend, BullMQ, pino, yaml, …) cost ≈ 1.4 s CPU
 * before any command ran, which a one-shot `em-guard analyze` (no tfjs at all) paid in full.
 */
export const commands: CommandEntry[] = [
  {
    name: 'analyze',
    summary: 'Delta-subspace metrics (angles, overlap, energy fraction, CKA) from .npy activation dumps',
    load: async () => (await import('./analyzeCommand.js')).analyzeCommand,
  },
  {
    name: 'analyze-runs',
    summary: 'Analyse a sweep: loss/alignment correlation, prediction R², overlap, detection AUROC and policy replay',
    load: async () => (await import('./analyzeRunsCommand.js')).analyzeRunsCommand,
  },
  {
    name: 'report',
    summary: 'Write a self-contained HTML report (charts of metrics, thresholds, aborts) of run logs',
    load: async () => (await import('./reportCommand.js')).reportCommand,
  },
  {
    name: 'sweep',
    summary: 'Run a matrix of fine-tuning runs (optimizer, schedule, lr, mix, seed) in worker processes',
    load: async () => (await import('./sweepCommand.js')).sweepCommand,
  },
  // Sweeps across machines (issue 18): BullMQ workers and the queue's status.
  {
    name: 'worker',
    summary: 'Execute runs of queued sweeps (BullMQ on Redis) on this machine',
    load: async () => (await import('./workerCommand.js')).workerCommand,
  },
  {
    name: 'sweep-status',
    summary: 'Queued / running / done / failed runs of sweeps on a Redis queue',
    load: async () => (await import('./sweepStatusCommand.js')).sweepStatusCommand,
  },
  {
    name: 'validate',
    summary: 'Check policy YAML files and summarise each (rules, schedule, actions)',
    load: async () => (await import('./validateCommand.js')).validateCommand,
  },
  {
    name: 'checkpoints',
    summary: 'List the checkpoints of a run (step, safe flag, reason, key metrics), optionally verified',
    load: async () => (await import('./checkpointsCommand.js')).checkpointsCommand,
  },
  {
    name: 'rollback',
    summary: 'Verify a checkpoint (last-safe, best or an id) and write it out as a standalone tfjs model',
    load: async () => (await import('./rollbackCommand.js')).rollbackCommand,
  },
  {
    name: 'screen',
    summary: 'Screen a fine-tuning set before training: per-example projection difference on the misalignment direction',
    load: async () => (await import('./screenCommand.js')).screenCommand,
  },
  {
    name: 'forecast',
    summary: "Forecast a fine-tune's final misaligned rate from a sweep (fit), for a planned run (apply), on a held-out sweep (evaluate)",
    load: async () => (await import('./forecastCommand.js')).forecastCommand,
  },
  {
    name: 'recommend',
    summary: "Rank a sweep's configurations by observed and forecast misalignment at matched in-domain loss; name the best",
    load: async () => (await import('./recommendCommand.js')).recommendCommand,
  },
];
