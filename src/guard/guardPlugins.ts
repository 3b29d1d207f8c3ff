import { abortAction } from '../../plugins/actions/abortAction.js';
import { checkpointAction } from '../../plugins/actions/checkpointAction.js';
import { mixAction } from '../../plugins/actions/mixAction.js';
import { reduceLrAction } from '../../plugins/actions/reduceLrAction.js';
import { rewindAction } from '../../plugins/actions/rewindAction.js';
import { rollbackAction } from '../../plugins/actions/rollbackAction.js';
import { warnAction } from '../../plugins/actions/warnAction.js';
import { alignmentPreferencePlugins } from '../../plugins/metrics/alignmentPreference.js';
import { alignmentProjectionPlugin } from '../../plugins/metrics/alignmentProjection.js';
import { alignmentScorePlugin } from '../../plugins/metrics/alignmentScore.js';
import { registerAction, registerMetric } from '../policy/registry.js';
import type { EmGuardArgs } from './emGuardArgs.js';
import type { ActionPlugin, MetricPlugin } from './pluginTypes.js';

/**
 * The actions (by name) and metric plugins of one guard: the built-ins, then the user's
 * `plugins`, whose names are registered so policies may use them.
 */
export function guardPlugins(user: EmGuardArgs['plugins']): { actions: Map<string, ActionPlugin>; metrics: MetricPlugin[] } {
  const actions = new Map<string, ActionPlugin>([warnAction, checkpointAction, abortAction, rollbackAction, mixAction, reduceLrAction, rewindAction].map((a) => [a.name, a]));
  for (const a of user?.actions ?? []) {
    registerAction({ name: a.name, description: a.description, ...(a.params ? { params: a.params } : {}) });
    actions.set(a.name, a);
  }
  for (const m of user?.metrics ?? []) registerMetric({ name: m.name, description: m.description, better: m.better });
  return { actions, metrics: [alignmentScorePlugin(), alignmentProjectionPlugin(), ...alignmentPreferencePlugins(), ...(user?.metrics ?? [])] };
}
