import { isAbsolute, resolve } from 'node:path';
import { selectBackend } from '../backend/selectBackend.js';
import { analyzeActivations, type ActivationAnalysis } from '../metrics/analyzeActivations.js';
import { assertFiniteMatrix } from '../metrics/checkMatrix.js';
import type { Matrix } from '../metrics/matrix.js';
import { readNpy } from '../npy/readNpy.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_OK } from './exitCodes.js';
import { parseCliArgs } from './parseCliArgs.js';

const HELP = `Usage: em-guard analyze --train-before A.npy --train-after B.npy --eval-before C.npy --eval-after D.npy [--rank 8] [--seed 0] [--json]

Delta-subspace metrics of one layer from activations dumped by any framework (e.g. PyTorch:
np.save('a.npy', acts.float().cpu().numpy())). Each file is a 2-D .npy array [probes, features],
float32 or float64 (<f4/<f8), C or Fortran order. Rows must be the same probes in the same order
before and after fine-tuning.

Flags:
  --train-before <file>  activations of the training-domain probes before fine-tuning (n_train×d)
  --train-after <file>   the same probes after fine-tuning (n_train×d)
  --eval-before <file>   activations of out-of-domain evaluation probes before (n_eval×d)
  --eval-after <file>    the same evaluation probes after (n_eval×d)
  --rank <k>             dimension k of the delta subspaces (integer >= 1, default 8)
  --seed <n>             seed of the random-subspace baseline (integer, default 0)
  --json                 print one JSON object (rank, principalAnglesDeg, overlap, evalEnergyFraction,
                         randomBaselineEnergyFraction, meanDeltaCosine, ckaTrain, ckaEval, spectral
                         gap ratios, effective ranks, timingsMs) instead of the table
  -h, --help             show this help

Backend: the fastest tfjs backend that loads (EM_GUARD_BACKEND=wasm|cpu|tfjs-node|tfjs-node-gpu forces one).
Exit codes: 0 computed; 2 bad input (missing flag, unreadable or non-.npy file, wrong dtype or
dimensions, mismatched shapes, NaN/Infinity in the activations).`;

const FILE_FLAGS = ['train-before', 'train-after', 'eval-before', 'eval-after'] as const;
type FileFlag = (typeof FILE_FLAGS)[number];

/** `em-guard analyze`: a thin shell over `analyzeActivations` for activations saved as .npy files. */
export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'Delta-subspace metrics (angles, overlap, energy fraction, CKA) from .npy activation dumps',
  async run(argv, io) {
    const { values } = parseCliArgs('analyze', argv, {
      'train-before': { type: 'string' },
      'train-after': { type: 'string' },
      'eval-before': { type: 'string' },
      'eval-after': { type: 'string' },
      rank: { type: 'string', default: '8' },
      seed: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    });
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    const missing = FILE_FLAGS.filter((f) => values[f] === undefined);
    if (missing.length > 0) {
      throw new CliError(`em-guard analyze: missing ${missing.map((f) => `--${f}`).join(', ')}. Run \`em-guard analyze --help\` for usage.`);
    }
    const rank = parseInteger(values.rank, 'rank', 1);
    const seed = parseInteger(values.seed, 'seed', 0);
    const m = {} as Record<FileFlag, Matrix>;
    for (const flag of FILE_FLAGS) {
      const path = values[flag]!;
      const abs = isAbsolute(path) ? path : resolve(io.cwd, path);
      m[flag] = await load(abs, flag);
    }
    checkShapes(m, 'train');
    checkShapes(m, 'eval');
    if (m['train-before'].cols !== m['eval-before'].cols) {
      throw new CliError(`em-guard analyze: shape mismatch: train files have ${m['train-before'].cols} features, eval files have ${m['eval-before'].cols}; all four must come from the same layer`);
    }
    const choice = await selectBackend();
    const result = analyzeActivations(
      { trainBefore: m['train-before'], trainAfter: m['train-after'], evalBefore: m['eval-before'], evalAfter: m['eval-after'] },
      rank,
      seed,
    );
    io.stdout(values.json ? JSON.stringify({ ...result, backend: choice.backend }, null, 2) : renderTable(result, choice.backend));
    return EXIT_OK;
  },
};

function parseInteger(raw: string | undefined, name: string, min: number): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new CliError(`em-guard analyze: expected \`--${name}\` to be an integer >= ${min}, got \`${raw}\``);
  }
  return n;
}

async function load(path: string, flag: FileFlag): Promise<Matrix> {
  let matrix: Matrix;
  try {
    matrix = await readNpy(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why = code === 'ENOENT' ? `${path}: no such file` : code === 'EISDIR' ? `${path}: is a directory, expected a .npy file` : e instanceof Error ? e.message : String(e);
    throw new CliError(`em-guard analyze: --${flag}: ${why.split('\n')[0]}`);
  }
  if (matrix.rows === 0 || matrix.cols === 0) {
    throw new CliError(`em-guard analyze: --${flag}: ${path} has shape (${matrix.rows}, ${matrix.cols}); expected at least one probe and one feature`);
  }
  try {
    assertFiniteMatrix(matrix, `--${flag} (${path})`);
  } catch (e) {
    throw new CliError(`em-guard analyze: ${e instanceof Error ? e.message : String(e)}`);
  }
  return matrix;
}

function checkShapes(m: Record<FileFlag, Matrix>, set: 'train' | 'eval'): void {
  const before = m[`${set}-before`];
  const after = m[`${set}-after`];
  if (before.rows !== after.rows || before.cols !== after.cols) {
    throw new CliError(`em-guard analyze: shape mismatch: --${set}-after is ${after.rows}×${after.cols}, --${set}-before is ${before.rows}×${before.cols}; both must hold the same probes in the same order`);
  }
}

function fmt(x: number | null, digits = 3): string {
  return x === null ? 'n/a' : x.toFixed(digits);
}

function renderTable(r: ActivationAnalysis, backend: string): string {
  const rows: [string, string][] = [
    ['principal angles (deg)', r.principalAnglesDeg.length ? r.principalAnglesDeg.map((a) => a.toFixed(1)).join(' ') : 'n/a'],
    ['overlap (mean cos²)', fmt(r.overlap)],
    ['eval energy fraction', `${fmt(r.evalEnergyFraction)}   random ${r.trainRank}-subspace: ${fmt(r.randomBaselineEnergyFraction)}`],
    ['mean delta cosine', r.meanDeltaCosine ? `mean ${fmt(r.meanDeltaCosine.mean)}  median ${fmt(r.meanDeltaCosine.median)}  q10 ${fmt(r.meanDeltaCosine.q10)}  q90 ${fmt(r.meanDeltaCosine.q90)}` : 'n/a'],
    ['linear CKA before/after', `train ${fmt(r.ckaTrain)}  eval ${fmt(r.ckaEval)}`],
    ['relative drift', `train ${fmt(r.driftTrain)}  eval ${fmt(r.driftEval)}`],
    ['spectral gap σk+1/σk', `train ${fmt(r.trainSpectralGapRatio)}  eval ${fmt(r.evalSpectralGapRatio)}`],
    ['effective rank', `train ${r.trainEffectiveRank.toFixed(1)}  eval ${r.evalEffectiveRank.toFixed(1)}`],
    ['train energy in top-k', fmt(r.trainExplainedEnergy)],
    ['compute', `${r.timingsMs.total!.toFixed(0)} ms (${backend})`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `em-guard analyze: k=${r.rank} (train rank ${r.trainRank}, eval rank ${r.evalRank}); train ${r.shapes.train.join('×')}, eval ${r.shapes.eval.join('×')}`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    ...r.notes.map((n) => `note: ${n}`),
  ].join('\n');
}
