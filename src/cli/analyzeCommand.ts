import { isAbsolute, resolve } from 'node:path';
import { analyzeActivations, type ActivationAnalysis } from '../metrics/analyzeActivations.js';
import { assertFiniteMatrix } from '../metrics/checkMatrix.js';
import type { Matrix } from '../metrics/matrix.js';
import { PER_PROMPT_COLUMNS, type PerPromptColumn } from '../metrics/subspaceStatistics.js';
import { compileGramWasm, gramWasmAvailable } from '../metrics/wasm/gramWasm.js';
import { readNpy } from '../npy/readNpy.js';
import { writeFileAtomic } from '../io/writeFileAtomic.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_OK } from './exitCodes.js';
import { parseCliArgs } from './parseCliArgs.js';

const HELP = `Usage: em-guard analyze --train-before A.npy --train-after B.npy --eval-before C.npy --eval-after D.npy [--rank 8 | --variance-share 0.9] [--seed 0] [--json] [--per-prompt FILE.csv]

Delta-subspace metrics of one layer from activations dumped by any framework (e.g. PyTorch:
np.save('a.npy', acts.float().cpu().numpy())). Each file is a 2-D .npy array [probes, features],
float32 or float64 (<f4/<f8), C or Fortran order. Rows must be the same probes in the same order
before and after fine-tuning.

Flags:
  --train-before <file>  activations of the training-domain probes before fine-tuning (n_train×d)
  --train-after <file>   the same probes after fine-tuning (n_train×d)
  --eval-before <file>   activations of out-of-domain evaluation probes before (n_eval×d)
  --eval-after <file>    the same evaluation probes after (n_eval×d)
  --rank <k>             dimension k of the delta subspaces and of the centred train-delta PCA
                         (integer >= 1, default 8)
  --variance-share <s>   instead of --rank: the smallest k whose centred train-delta PCA explains
                         more than this share of the variance (number in (0, 1]; sklearn
                         PCA(n_components=s)), used for every subspace
  --per-prompt <file>    also write every per-prompt value (one CSV row per eval probe, with its row
                         index; empty cell = undefined, e.g. a probe that did not move)
  --seed <n>             seed of the random-subspace baseline (integer, default 0)
  --json                 print one JSON object (rank, principalAnglesDeg, overlap, evalEnergyFraction,
                         randomBaselineEnergyFraction, meanDeltaCosine, ckaTrain, ckaEval, spectral
                         gap ratios, effective ranks, pca, evalDeltaVsTrainPca,
                         evalDeltaVsTrainMeanDelta, deltaSize, promptSubspace, timingsMs) instead
                         of the table
  -h, --help             show this help

Compute: float64 in em-guard's WebAssembly SIMD kernels (plain JS where WebAssembly SIMD is
unavailable); no tfjs backend is loaded. \`backend\` in the output says which ran (wasm-simd | js).
Exit codes: 0 computed; 2 bad input (missing flag, unreadable or non-.npy file, wrong dtype or
dimensions, mismatched shapes, NaN/Infinity in the activations).`;

const FILE_FLAGS = ['train-before', 'train-after', 'eval-before', 'eval-after'] as const;
type FileFlag = (typeof FILE_FLAGS)[number];

/** `em-guard analyze`: a thin shell over `analyzeActivations` for activations saved as .npy files. */
export const analyzeCommand: Command = {
  name: 'analyze',
  async run(argv, io) {
    const { values } = parseCliArgs('analyze', argv, {
      'train-before': { type: 'string' },
      'train-after': { type: 'string' },
      'eval-before': { type: 'string' },
      'eval-after': { type: 'string' },
      rank: { type: 'string' },
      'variance-share': { type: 'string' },
      'per-prompt': { type: 'string' },
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
    if (values.rank !== undefined && values['variance-share'] !== undefined) {
      throw new CliError('em-guard analyze: give either `--rank` or `--variance-share`, not both (both choose k)');
    }
    const rank = parseInteger(values.rank ?? '8', 'rank', 1);
    const varianceShare = values['variance-share'] === undefined ? undefined : parseShare(values['variance-share']);
    const seed = parseInteger(values.seed, 'seed', 0);
    const m = {} as Record<FileFlag, Matrix>;
    const paths = {} as Record<FileFlag, string>;
    for (const flag of FILE_FLAGS) {
      const path = values[flag]!;
      paths[flag] = isAbsolute(path) ? path : resolve(io.cwd, path);
    }
    // The four reads overlap (libuv's thread pool): most of a read is the kernel filling new pages,
    // which two cores do side by side. The first failing flag in order is reported, as before.
    // Meanwhile V8's background threads compile the kernels (bin.ts compiles them eagerly for
    // analyze): lazily, each kernel's optimising compile ran on the main thread at its first call.
    const reads = Promise.allSettled(FILE_FLAGS.map((flag) => load(paths[flag], flag)));
    const compiledKernels = compileGramWasm();
    const loaded = await reads;
    await compiledKernels;
    FILE_FLAGS.forEach((flag, i) => {
      const r = loaded[i]!;
      if (r.status === 'rejected') throw r.reason;
      m[flag] = r.value;
    });
    checkShapes(m, 'train');
    checkShapes(m, 'eval');
    if (m['train-before'].cols !== m['eval-before'].cols) {
      throw new CliError(
        `em-guard analyze: shape mismatch: train files have ${m['train-before'].cols} features, eval files have ${m['eval-before'].cols}; all four must come from the same layer`,
      );
    }
    // The metrics are plain float64 math on the kernels in src/metrics/wasm: loading tfjs and a
    // backend here (≈ 0.5 s of a one-shot call's start-up) bought nothing.
    const backend = gramWasmAvailable() ? 'wasm-simd' : 'js';
    const perPromptPath = values['per-prompt'];
    let analysis: ActivationAnalysis;
    try {
      analysis = analyzeActivations(
        { trainBefore: m['train-before'], trainAfter: m['train-after'], evalBefore: m['eval-before'], evalAfter: m['eval-after'] },
        rank,
        seed,
        { ...(varianceShare === undefined ? {} : { varianceShare }), perPrompt: perPromptPath !== undefined },
      );
    } catch (e) {
      // analyzeActivations validates every value in its first pass; only when it fails are the files
      // scanned, to name the one with a NaN/Infinity (a scan up front cost a cold pass over each).
      for (const flag of FILE_FLAGS) assertFiniteFile(m[flag], flag, paths[flag]);
      throw e;
    }
    const { perPrompt, ...result } = analysis;
    if (perPromptPath !== undefined && perPrompt) {
      const abs = isAbsolute(perPromptPath) ? perPromptPath : resolve(io.cwd, perPromptPath);
      try {
        writeFileAtomic(abs, perPromptCsv(perPrompt));
      } catch (e) {
        throw new CliError(`em-guard analyze: --per-prompt: cannot write ${abs}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
      }
    }
    io.stdout(values.json ? JSON.stringify({ ...result, backend }, null, 2) : renderTable(result, backend));
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

function parseShare(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !(n > 0 && n <= 1)) {
    throw new CliError(`em-guard analyze: expected \`--variance-share\` to be a number in (0, 1], got \`${raw}\` (e.g. 0.9 for 90 % of the variance)`);
  }
  return n;
}

/** One row per eval probe: its index and every per-prompt value (full precision; empty = undefined). */
function perPromptCsv(columns: Record<PerPromptColumn, (number | null)[]>): string {
  const lines = [['row', ...PER_PROMPT_COLUMNS].join(',')];
  const n = columns[PER_PROMPT_COLUMNS[0]].length;
  for (let r = 0; r < n; r++) lines.push([String(r), ...PER_PROMPT_COLUMNS.map((c) => (columns[c][r] === null ? '' : String(columns[c][r])))].join(','));
  return `${lines.join('\n')}\n`;
}

async function load(path: string, flag: FileFlag): Promise<Matrix> {
  let matrix: Matrix;
  try {
    matrix = await readNpy(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why =
      code === 'ENOENT'
        ? `${path}: no such file`
        : code === 'EISDIR'
          ? `${path}: is a directory, expected a .npy file`
          : e instanceof Error
            ? e.message
            : String(e);
    throw new CliError(`em-guard analyze: --${flag}: ${why.split('\n')[0]}`);
  }
  if (matrix.rows === 0 || matrix.cols === 0) {
    throw new CliError(`em-guard analyze: --${flag}: ${path} has shape (${matrix.rows}, ${matrix.cols}); expected at least one probe and one feature`);
  }
  return matrix;
}

function assertFiniteFile(matrix: Matrix, flag: FileFlag, path: string): void {
  try {
    assertFiniteMatrix(matrix, `--${flag} (${path})`);
  } catch (e) {
    throw new CliError(`em-guard analyze: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkShapes(m: Record<FileFlag, Matrix>, set: 'train' | 'eval'): void {
  const before = m[`${set}-before`];
  const after = m[`${set}-after`];
  if (before.rows !== after.rows || before.cols !== after.cols) {
    throw new CliError(
      `em-guard analyze: shape mismatch: --${set}-after is ${after.rows}×${after.cols}, --${set}-before is ${before.rows}×${before.cols}; both must hold the same probes in the same order`,
    );
  }
}

function fmt(x: number | null, digits = 3): string {
  return x === null ? 'n/a' : x.toFixed(digits);
}

/** `mean/median` of a summary, or n/a. */
function fmtS(s: { mean: number; median: number } | null): string {
  return s === null ? 'n/a' : `${fmt(s.mean)}/${fmt(s.median)}`;
}

function renderTable(r: ActivationAnalysis, backend: string): string {
  const rows: [string, string][] = [
    ['principal angles (deg)', r.principalAnglesDeg.length ? r.principalAnglesDeg.map((a) => a.toFixed(1)).join(' ') : 'n/a'],
    ['overlap (mean cos²)', fmt(r.overlap)],
    ['eval energy fraction', `${fmt(r.evalEnergyFraction)}   random ${r.trainRank}-subspace: ${fmt(r.randomBaselineEnergyFraction)}`],
    [
      'mean delta cosine',
      r.meanDeltaCosine
        ? `mean ${fmt(r.meanDeltaCosine.mean)}  median ${fmt(r.meanDeltaCosine.median)}  q10 ${fmt(r.meanDeltaCosine.q10)}  q90 ${fmt(r.meanDeltaCosine.q90)}`
        : 'n/a',
    ],
    ['linear CKA before/after', `train ${fmt(r.ckaTrain)}  eval ${fmt(r.ckaEval)}`],
    ['relative drift', `train ${fmt(r.driftTrain)}  eval ${fmt(r.driftEval)}`],
    ['spectral gap σk+1/σk', `train ${fmt(r.trainSpectralGapRatio)}  eval ${fmt(r.evalSpectralGapRatio)}`],
    ['effective rank', `train ${r.trainEffectiveRank.toFixed(1)}  eval ${r.evalEffectiveRank.toFixed(1)}`],
    ['train energy in top-k', fmt(r.trainExplainedEnergy)],
    [
      'train-delta PCA',
      `k=${r.pca.k}${r.pca.varianceShare === null ? '' : ` (share ${r.pca.varianceShare})`}, cumulative explained variance ${fmt(r.pca.cumulativeExplainedVarianceRatio)}`,
    ],
    [
      'eval Δ vs train PCA',
      `explained-L2 ${fmtS(r.evalDeltaVsTrainPca.explainedL2Centered)} (raw ${fmtS(r.evalDeltaVsTrainPca.explainedL2Raw)})  recon cos ${fmtS(r.evalDeltaVsTrainPca.reconstructionCosine)}  Mahalanobis ${fmtS(r.evalDeltaVsTrainPca.mahalanobis)}`,
    ],
    [
      'eval Δ vs mean train Δ',
      `cos ${fmtS(r.evalDeltaVsTrainMeanDelta.cosine)}  scalar proj ${fmtS(r.evalDeltaVsTrainMeanDelta.scalarProjection)}  orth norm ${fmtS(r.evalDeltaVsTrainMeanDelta.orthogonalNorm)}`,
    ],
    ['eval delta size', `‖Δ‖/‖before‖ ${fmtS(r.deltaSize.relativeNorm)}  cos(before, after) ${fmtS(r.deltaSize.beforeAfterCosine)}`],
    [
      'prompt subspace (before)',
      `k=${r.promptSubspace.k}  projection ${fmtS(r.promptSubspace.projectionFraction)} (random ${fmtS(r.promptSubspace.randomProjectionFraction)})  explained-L2 ${fmtS(r.promptSubspace.explainedL2)}  cos to train mean ${fmtS(r.promptSubspace.trainMeanCosine)}`,
    ],
    ['compute', `${r.timingsMs.total!.toFixed(0)} ms (${backend})`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  rows.push(['', '(pairs are mean/median over eval probes)']);
  return [
    `em-guard analyze: k=${r.rank} (train rank ${r.trainRank}, eval rank ${r.evalRank}); train ${r.shapes.train.join('×')}, eval ${r.shapes.eval.join('×')}`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    ...r.notes.map((n) => `note: ${n}`),
  ].join('\n');
}
