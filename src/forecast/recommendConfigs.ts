import { median } from 'simple-statistics';
import { binByQuantile } from '../analysis/binByQuantile.js';
import type { ForecastTrainingRun } from './forecastModel.js';

/** One configuration (optimizer, schedule, learning rate, mix) over its runs (seeds). */
export interface ConfigSummary {
  key: string;
  optimizer: string;
  schedule: string;
  learningRate: number;
  mix: number;
  runs: number;
  /** Mean observed final misaligned rate, and the mean forecast made without seeing these runs. */
  observed: number;
  forecast: number;
  inDomainLoss: number | null;
  policyFiredShare: number;
  /** Loss tercile (0 = lowest loss = task learned best) and rank within it (1 = least misaligned). */
  lossBin: number;
  rankInBin: number;
}

export interface Recommendation {
  configs: ConfigSummary[];
  /** Loss bin edges. */
  lossEdges: number[];
  best: ConfigSummary | null;
  evidence: string[];
}

/**
 * The diagnostic synthesis: configurations ranked by observed and forecast misalignment at matched
 * in-domain loss (loss terciles), and the best one among those that learned the task (lowest-loss
 * tercile): lowest observed misaligned rate, then lowest forecast, then lowest loss.
 */
export function recommendConfigs(
  runs: readonly ForecastTrainingRun[],
  forecasts: readonly number[],
  options: { limit?: number; bins?: number } = {},
): Recommendation {
  const groups = new Map<string, { idx: number[] }>();
  runs.forEach((r, i) => {
    const s = r.settings;
    const key = `${s.optimizer}-${s.schedule}-lr${s.learningRate}-mix${s.mix}`;
    if (!groups.has(key)) groups.set(key, { idx: [] });
    groups.get(key)!.idx.push(i);
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const configs: ConfigSummary[] = [...groups].map(([key, { idx }]) => {
    const s = runs[idx[0]!]!.settings;
    const losses = idx.map((i) => runs[i]!.inDomainLoss).filter((v): v is number => typeof v === 'number');
    return {
      key,
      optimizer: s.optimizer,
      schedule: s.schedule,
      learningRate: s.learningRate,
      mix: s.mix,
      runs: idx.length,
      observed: mean(idx.map((i) => runs[i]!.misalignedRate)),
      forecast: mean(idx.map((i) => forecasts[i]!)),
      inDomainLoss: losses.length ? mean(losses) : null,
      policyFiredShare: mean(idx.map((i) => (runs[i]!.policyFired ? 1 : 0))),
      lossBin: 0,
      rankInBin: 0,
    };
  });
  const withLoss = configs.filter((c) => c.inDomainLoss !== null);
  let lossEdges: number[] = [];
  if (withLoss.length >= 2) {
    const b = binByQuantile(
      withLoss.map((c) => c.inDomainLoss!),
      Math.min(options.bins ?? 3, withLoss.length),
    );
    lossEdges = b.edges;
    withLoss.forEach((c, i) => (c.lossBin = b.assignment[i]!));
  }
  const order = (a: ConfigSummary, b: ConfigSummary) =>
    a.observed - b.observed || a.forecast - b.forecast || (a.inDomainLoss ?? Infinity) - (b.inDomainLoss ?? Infinity) || a.key.localeCompare(b.key);
  const bins = [...new Set(configs.map((c) => c.lossBin))].sort((a, b) => a - b);
  for (const bin of bins)
    configs
      .filter((c) => c.lossBin === bin)
      .sort(order)
      .forEach((c, i) => (c.rankInBin = i + 1));
  configs.sort((a, b) => a.lossBin - b.lossBin || a.rankInBin - b.rankInBin);
  const best = configs.find((c) => c.lossBin === bins[0] && c.rankInBin === 1) ?? null;
  const evidence: string[] = [];
  if (best) {
    const peers = configs.filter((c) => c.lossBin === best.lossBin);
    const limit = options.limit ?? 0.25;
    evidence.push(
      `lowest-loss tercile (in-domain loss ≤ ${lossEdges[1]?.toPrecision(3) ?? '?'}): ${peers.length} configurations, ${peers.filter((c) => c.observed > limit).length} of them end misaligned (> ${limit}) on average`,
      `${best.key}: observed misaligned rate ${best.observed.toFixed(3)} over ${best.runs} run(s), out-of-sample forecast ${best.forecast.toFixed(3)}, in-domain loss ${best.inDomainLoss?.toPrecision(3) ?? '–'}, policy fired on ${(100 * best.policyFiredShare).toFixed(0)} % of its runs`,
      `tercile median observed rate ${median(peers.map((c) => c.observed)).toFixed(3)}, median forecast ${median(peers.map((c) => c.forecast)).toFixed(3)}`,
    );
    const runnerUp = peers.find((c) => c.rankInBin === 2);
    if (runnerUp)
      evidence.push(
        `runner-up ${runnerUp.key}: observed ${runnerUp.observed.toFixed(3)}, forecast ${runnerUp.forecast.toFixed(3)}, loss ${runnerUp.inDomainLoss?.toPrecision(3) ?? '–'}`,
      );
  }
  return { configs, lossEdges, best, evidence };
}
