import { deltaSubspaceOfFinite } from './deltaSubspace.js';
import { deltaRowGram } from './gram.js';
import { energyFractionsOfFinite, seededBasis } from './energyFraction.js';
import { linearCkaOfFinite } from './linearCka.js';
import type { Matrix } from './matrix.js';
import { meanDeltaCosineFromSums, type MeanDeltaCosine } from './meanDeltaCosine.js';
import { principalAngles } from './principalAngles.js';
import { relativeDriftFromNorms } from './relativeDrift.js';
import { subspaceOverlap } from './subspaceOverlap.js';
import { deltaWithNorms, deltaWithRowNorms, subtractMatrices } from './subtractMatrices.js';
import { tiledProduct, tiledProductJs, WASM_MIN_WORK } from './tiledProduct.js';
import { gramWasmAvailable, wasmDeltaRows, wasmDeltaTimes, wasmDeltaTransposeTimes } from './wasm/gramWasm.js';
import { subspaceStatisticsOfFinite, type PerPromptColumn, type SubspaceStatisticsSummary } from './subspaceStatistics.js';

/** Activations of one layer on two probe sets, before and after fine-tuning (same probes, same order). */
export interface ActivationSets {
  trainBefore: Matrix;
  trainAfter: Matrix;
  evalBefore: Matrix;
  evalAfter: Matrix;
}

/** Options of {@link analyzeActivations}. */
export interface AnalyzeOptions {
  /**
   * Choose k as the smallest rank whose centred train-delta PCA explains more than this share of
   * the variance (sklearn `PCA(n_components=share)`), in (0, 1]; then `rank` is ignored and k is used
   * for every subspace metric. Default: use `rank`.
   */
  varianceShare?: number;
  /** Also return every per-prompt value (`perPrompt`, one entry per eval row). Default false. */
  perPrompt?: boolean;
}

/** Every delta-subspace metric of one comparison; what `em-guard analyze --json` prints. */
export interface ActivationAnalysis extends SubspaceStatisticsSummary {
  /** k used for the subspaces: the requested rank, or the one the variance share chose. */
  rank: number;
  /** Effective ranks of the train and eval delta subspaces (≤ rank). */
  trainRank: number;
  evalRank: number;
  shapes: { train: [number, number]; eval: [number, number] };
  /** Principal angles between the train and eval delta subspaces, degrees, ascending. */
  principalAnglesDeg: number[];
  /** Mean cos² of those angles; null when either delta is zero. */
  overlap: number | null;
  /** Share of ‖Δ_eval‖² inside the train delta subspace. */
  evalEnergyFraction: number | null;
  /** The same for a seeded random subspace of the same rank (chance level ≈ k/d). */
  randomBaselineEnergyFraction: number | null;
  /** Share of ‖Δ_train‖² its own top-k captures; null when the train delta is zero. */
  trainExplainedEnergy: number | null;
  meanDeltaCosine: Omit<MeanDeltaCosine, 'values'> | null;
  ckaTrain: number | null;
  ckaEval: number | null;
  driftTrain: number | null;
  driftEval: number | null;
  /** σ_{k+1}/σ_k of each delta (near 1 = no gap, basis arbitrary). */
  trainSpectralGapRatio: number | null;
  evalSpectralGapRatio: number | null;
  /** Roy–Vetterli effective rank of each delta. */
  trainEffectiveRank: number;
  evalEffectiveRank: number;
  /** Top singular values of each delta (at most rank + 1). */
  trainSingularValues: number[];
  evalSingularValues: number[];
  /** Why a value is null or a rank was reduced. */
  notes: string[];
  seed: number;
  /**
   * Wall-clock compute per step, ms; `total` excludes reading files. `cpuTotal`: CPU time (user +
   * system, the whole process) over the same span, where `process.cpuUsage` exists: on a loaded
   * machine the wall figure mostly measures waiting for a core.
   */
  timingsMs: Record<string, number>;
  /** Per-prompt values (eval rows in order), only with `options.perPrompt`. */
  perPrompt?: Record<PerPromptColumn, (number | null)[]>;
}

/**
 * All delta-subspace metrics for one layer, as one pure call: the core of `em-guard analyze`, usable
 * on activations dumped from any framework. Throws on shape mismatches and non-finite values.
 */
export function analyzeActivations(sets: ActivationSets, requestedRank: number, seed = 0, options: AnalyzeOptions = {}): ActivationAnalysis {
  const timingsMs: Record<string, number> = {};
  const start = performance.now();
  const cpuStart = cpuMs();
  let last = start;
  const lap = (name: string) => {
    const now = performance.now();
    timingsMs[name] = now - last;
    last = now;
  };
  if (sets.trainBefore.cols !== sets.evalBefore.cols) {
    throw new Error(
      `shape mismatch: train activations have ${sets.trainBefore.cols} features, eval activations have ${sets.evalBefore.cols}; both must come from the same layer`,
    );
  }
  // One pass per set forms Δ (float64), validates both inputs and sums ‖Δ‖² and ‖before‖²: every
  // later step reads these instead of re-validating and re-summing (drift is exactly √(‖Δ‖²/‖before‖²)).
  // With the kernels (n ≤ d), Δ_train is never formed in JS: its PCA and its map-back product form it
  // in kernel memory from the two sets (a few ms each), which saves 8 MB of new pages (≈ 2000 page
  // faults in a fresh process, dearer than recomputing it twice).
  const { rows: nt, cols: d } = sets.trainAfter;
  const lean = nt >= 2 && nt <= d && gramWasmAvailable() && sets.trainAfter.rows === sets.trainBefore.rows && sets.trainAfter.cols === sets.trainBefore.cols;
  const trainPair = { after: sets.trainAfter, before: sets.trainBefore };
  const leanNorms = lean ? wasmDeltaRows(sets.trainAfter.data, sets.trainBefore.data, nt, d, null, null) : null;
  // A non-finite sum takes the JS route, which names the bad cell.
  const leanOk = leanNorms !== null && Number.isFinite(leanNorms.deltaNorm2) && Number.isFinite(leanNorms.beforeNorm2);
  // Δ_eval likewise: its consumers (the train-PCA row measures, its Gram and map-back, the energy
  // product) form it in kernel memory from the two sets, so its 8 MB float64 array (≈ 2000 new pages,
  // ≈ 40–60 ms of a fresh process) is never filled. This pass only sums its norms, per row too.
  const { rows: ne } = sets.evalAfter;
  const leanEval = ne >= 1 && ne <= d && gramWasmAvailable() && sets.evalAfter.cols === d && sets.evalBefore.rows === ne && sets.evalBefore.cols === d;
  const leanRows = leanEval ? { before2: new Float64Array(ne), after2: new Float64Array(ne), dot: new Float64Array(ne), delta2: new Float64Array(ne) } : null;
  const leanEvalNorms = leanRows ? wasmDeltaRows(sets.evalAfter.data, sets.evalBefore.data, ne, d, null, leanRows) : null;
  const leanEvalOk = leanEvalNorms !== null && Number.isFinite(leanEvalNorms.deltaNorm2) && Number.isFinite(leanEvalNorms.beforeNorm2);
  const trainSize = leanOk ? 0 : sets.trainAfter.data.length;
  const buffer = scratch(trainSize + (leanEvalOk ? 0 : sets.evalAfter.data.length));
  const train = leanOk
    ? { delta: { rows: nt, cols: d, data: new Float64Array(0) }, ...leanNorms }
    : deltaWithNorms(sets.trainAfter, sets.trainBefore, buffer.subarray(0, trainSize));
  const evalSet = leanEvalOk
    ? { delta: { rows: ne, cols: d, data: new Float64Array(0) }, ...leanEvalNorms, rows: leanRows! }
    : deltaWithRowNorms(sets.evalAfter, sets.evalBefore, buffer.subarray(trainSize));
  const dT = train.delta;
  const dE = evalSet.delta;
  const formed = dT.data.length > 0;
  const evalPair = { after: sets.evalAfter, before: sets.evalBefore };
  const evalPairData = { after: sets.evalAfter.data, before: sets.evalBefore.data };
  // Δ_eval in JS, only where a kernel route declines.
  let evalFormed: Float64Array | Float32Array | null = null;
  const evalData = () => (evalFormed ??= subtractMatrices(sets.evalAfter, sets.evalBefore).data);
  lap('deltas');
  const stats = subspaceStatisticsOfFinite(
    {
      trainBefore: sets.trainBefore,
      evalBefore: sets.evalBefore,
      evalAfter: sets.evalAfter,
      trainDelta: formed ? dT : trainPair,
      evalDelta: leanEvalOk ? evalPair : dE,
      evalRows: evalSet.rows,
    },
    options.varianceShare === undefined ? { rank: requestedRank } : { varianceShare: options.varianceShare },
    seed,
  );
  // A share picks k once, from the centred PCA, for every subspace metric (at least 1: a zero
  // train delta then reports its own reason below).
  const rank = options.varianceShare === undefined ? requestedRank : Math.max(1, stats.trainDeltaPca.k);
  lap('statistics');
  const mapBack = formed
    ? undefined
    : (w: Float64Array, k: number, out: Float64Array) => {
        if (!(d * nt * k >= WASM_MIN_WORK && wasmDeltaTransposeTimes({ after: trainPair.after.data, before: trainPair.before.data }, nt, d, w, k, out)))
          out.set(tiledProduct(subtractMatrices(trainPair.after, trainPair.before).data, d, nt, 1, d, w, k));
      };
  const U = deltaSubspaceOfFinite(dT, rank, train.deltaNorm2, stats.grams.trainDelta ? { gram: stats.grams.trainDelta } : {}, mapBack);
  lap('trainSubspace');
  const V = leanEvalOk
    ? deltaSubspaceOfFinite(
        dE,
        rank,
        evalSet.deltaNorm2,
        evalSet.deltaNorm2 > 0 ? { gram: deltaRowGram(evalPair) } : {},
        (w: Float64Array, k: number, out: Float64Array) => {
          if (!(d * ne * k >= WASM_MIN_WORK && wasmDeltaTransposeTimes(evalPairData, ne, d, w, k, out))) out.set(tiledProduct(evalData(), d, ne, 1, d, w, k));
        },
      )
    : deltaSubspaceOfFinite(dE, rank, evalSet.deltaNorm2);
  lap('evalSubspace');
  const notes: string[] = [];
  if (stats.trainDeltaPca.reason) notes.push(`train-delta PCA: ${stats.trainDeltaPca.reason}`);
  if (U.reason) notes.push(`train delta: ${U.reason}`);
  if (V.reason) notes.push(`eval delta: ${V.reason}`);
  const angles = U.basis && V.basis ? principalAngles(U.basis, V.basis) : [];
  const overlap = U.basis && V.basis ? subspaceOverlap(U.basis, V.basis) : null;
  lap('angles');
  // One pass over Δ_eval for the train basis and its random baseline (= randomEnergyFraction(dE, k, seed)).
  const [evalEnergyFraction = null, randomBaselineEnergyFraction = null] = U.basis
    ? energyFractionsOfFinite(
        dE,
        evalSet.deltaNorm2,
        [U.basis, seededBasis(dE.cols, U.k, seed)],
        leanEvalOk
          ? (b, width) =>
              (ne * d * width >= WASM_MIN_WORK && wasmDeltaTimes(evalPairData, ne, d, b, width)) || tiledProductJs(evalData(), ne, d, d, 1, b, width)
          : undefined,
      )
    : [];
  lap('energy');
  // The statistics' pass over Δ_eval against the mean train delta (their PCA's mean) formed its sums.
  const mdc = meanDeltaCosineFromSums(stats.evalDeltaSums.dotMean, stats.evalDeltaSums.norm2, stats.evalDeltaSums.meanNorm2);
  if (!mdc) notes.push('mean delta cosine: mean train delta is zero or no eval probe moved');
  lap('meanDeltaCosine');
  const ckaTrain = linearCkaOfFinite(sets.trainBefore, sets.trainAfter, undefined, stats.grams.trainBeforeCentred);
  const ckaEval = linearCkaOfFinite(sets.evalBefore, sets.evalAfter);
  if (ckaTrain === null || ckaEval === null) notes.push('CKA: activations constant across probes (no variance) on one side');
  lap('cka');
  const driftTrain = relativeDriftFromNorms(train);
  const driftEval = relativeDriftFromNorms(evalSet);
  lap('drift');
  timingsMs.total = performance.now() - start;
  const cpuEnd = cpuMs();
  if (cpuStart !== null && cpuEnd !== null) timingsMs.cpuTotal = cpuEnd - cpuStart;
  return {
    rank,
    trainRank: U.k,
    evalRank: V.k,
    shapes: { train: [dT.rows, dT.cols], eval: [dE.rows, dE.cols] },
    principalAnglesDeg: angles.map((a) => (a * 180) / Math.PI),
    overlap,
    evalEnergyFraction,
    randomBaselineEnergyFraction,
    trainExplainedEnergy: U.basis ? U.explainedEnergy : null,
    meanDeltaCosine: mdc ? withoutValues(mdc) : null,
    ckaTrain,
    ckaEval,
    driftTrain,
    driftEval,
    trainSpectralGapRatio: U.spectralGapRatio,
    evalSpectralGapRatio: V.spectralGapRatio,
    trainEffectiveRank: U.effectiveRank,
    evalEffectiveRank: V.effectiveRank,
    trainSingularValues: U.singularValues.slice(0, rank + 1),
    evalSingularValues: V.singularValues.slice(0, rank + 1),
    notes,
    seed,
    ...stats.summary,
    timingsMs,
    ...(options.perPrompt ? { perPrompt: stats.perPrompt } : {}),
  };
}

/**
 * The two deltas live only inside one call (nothing returned references them), so their float64
 * buffer is reused across calls: allocating 16 MB per call at 4096×256 (64 MB at 4096×1024) made V8
 * run a full GC nearly every call (≈ 60 ms). Held weakly, so an idle process can still free it.
 */
let scratchRef: WeakRef<Float64Array> | undefined;

function scratch(length: number): Float64Array {
  const held = scratchRef?.deref();
  if (held && held.length >= length) return held.subarray(0, length);
  const fresh = new Float64Array(length);
  scratchRef = new WeakRef(fresh);
  return fresh;
}

/** Process CPU time in ms (user + system), or null outside Node. */
function cpuMs(): number | null {
  const usage = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process?.cpuUsage?.();
  return usage ? (usage.user + usage.system) / 1000 : null;
}

/** The cosine summary without the per-probe list (kept out of the report; call meanDeltaCosine for it). */
function withoutValues({ values: _values, ...summary }: MeanDeltaCosine): Omit<MeanDeltaCosine, 'values'> {
  return summary;
}
