import { registerAction, registerMetric } from '../policy/registry.js';
import { builtinPlugins } from './builtinPlugins.js';
import type { EmGuardArgs } from './emGuardArgs.js';
import type { ActionPlugin, MetricPlugin } from './pluginTypes.js';

/**
 * The actions (by name) and metric plugins of one guard: the built-ins, then the user's
 * `plugins`, whose names are registered so policies may use them.
 */
export function guardPlugins(user: EmGuardArgs['plugins']): { actions: Map<string, ActionPlugin>; metrics: MetricPlugin[] } {
  const builtin = builtinPlugins();
  const actions = builtin.actions;
  for (const a of user?.actions ?? []) {
    registerAction({ name: a.name, description: a.description, ...(a.params ? { params: a.params } : {}) });
    actions.set(a.name, a);
  }
  for (const m of user?.metrics ?? []) registerMetric({ name: m.name, description: m.description, better: m.better });
  return { actions, metrics: [...builtin.metrics, ...(user?.metrics ?? [])] };
}
