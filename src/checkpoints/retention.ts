import type { BestMetric, CheckpointManifest } from './CheckpointManifest.js';
import { rankByMetric } from './selectCheckpoint.js';

/** What a store keeps when it evicts. */
export interface RetentionPolicy {
  /** The newest `keep` checkpoints are always kept. */
  keep: number;
  /** Also keep the best checkpoint by this metric. */
  keepBest: BestMetric | null;
  /** Also keep the newest checkpoint marked safe, however old: rollback needs it. */
  keepLastSafe: boolean;
}

/** Ids to keep out of `checkpoints` (oldest first); everything else may be evicted. */
export function retainedIds(checkpoints: readonly CheckpointManifest[], policy: RetentionPolicy): Set<string> {
  const keep = new Set(checkpoints.slice(Math.max(0, checkpoints.length - policy.keep)).map((c) => c.id));
  if (policy.keepLastSafe) {
    const lastSafe = [...checkpoints].reverse().find((c) => c.safe);
    if (lastSafe) keep.add(lastSafe.id);
  }
  if (policy.keepBest) {
    const best = rankByMetric(checkpoints, policy.keepBest)[0];
    if (best) keep.add(best.id);
  }
  return keep;
}
