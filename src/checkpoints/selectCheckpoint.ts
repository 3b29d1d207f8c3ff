import { CheckpointError } from './CheckpointError.js';
import type { BestMetric, CheckpointIndex, CheckpointManifest, CheckpointSelector } from './CheckpointManifest.js';
import { assertValidId } from './checkpointIndex.js';

/**
 * Checkpoints that have a finite value of `best.metric`, best first (ties: newest first). The
 * order `best` and its fallback follow.
 */
export function rankByMetric(checkpoints: readonly CheckpointManifest[], best: BestMetric): CheckpointManifest[] {
  const sign = best.mode === 'min' ? 1 : -1;
  return checkpoints
    .map((c, order) => ({ c, order, v: c.metrics[best.metric] }))
    .filter((e): e is { c: CheckpointManifest; order: number; v: number } => typeof e.v === 'number' && Number.isFinite(e.v))
    .sort((a, b) => sign * (a.v - b.v) || b.order - a.order)
    .map((e) => e.c);
}

/**
 * The checkpoints a selector may resolve to, most preferred first: the first is the answer, the
 * rest are what `fallback: true` tries next when it is damaged. Throws a CheckpointError when the
 * selector matches nothing.
 */
export function selectCandidates(index: CheckpointIndex, selector: CheckpointSelector, where: string): CheckpointManifest[] {
  const all = index.checkpoints;
  const newestFirst = [...all].reverse();
  if (all.length === 0) {
    throw new CheckpointError('NO_CHECKPOINTS', `No checkpoints in ${where} yet: nothing to select with \`${selector}\``);
  }
  if (selector === 'latest') return newestFirst;
  if (selector === 'last-safe') {
    const safe = newestFirst.filter((c) => c.safe);
    if (safe.length === 0) {
      throw new CheckpointError(
        'NO_SAFE',
        `None of the ${all.length} checkpoints in ${where} is marked safe; pick one by id (known: ${all.map((c) => c.id).join(', ')})`,
      );
    }
    return safe;
  }
  if (selector === 'best') {
    if (!index.best) {
      throw new CheckpointError(
        'NO_BEST_METRIC',
        `${where} has no best metric (the store was created without \`keepBest\`); use \`latest\`, \`last-safe\` or an id`,
      );
    }
    const ranked = rankByMetric(all, index.best);
    if (ranked.length === 0) {
      throw new CheckpointError('NO_BEST', `No checkpoint in ${where} has a value for metric \`${index.best.metric}\`; use \`latest\`, \`last-safe\` or an id`);
    }
    return ranked;
  }
  assertValidId(selector);
  const at = all.findIndex((c) => c.id === selector);
  if (at < 0) {
    throw new CheckpointError('UNKNOWN_ID', `No checkpoint \`${selector}\` in ${where}; known: ${all.map((c) => c.id).join(', ')}`, { id: selector });
  }
  return all.slice(0, at + 1).reverse();
}
