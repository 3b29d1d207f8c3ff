import type { ActionPlugin, MetricPlugin } from './pluginTypes.js';

/**
 * The built-in actions and metric plugins, filled by the package entry (`src/registerBuiltins.ts`,
 * the composition root) so the guard reads them from here and never imports `plugins/`.
 */
const actions = new Map<string, ActionPlugin>();
const metricFactories: (() => MetricPlugin | MetricPlugin[])[] = [];

/** Adds built-ins: actions by name (a name registered again is replaced), metric-plugin factories once each. */
export function registerBuiltinPlugins(plugins: { actions?: readonly ActionPlugin[]; metrics?: readonly (() => MetricPlugin | MetricPlugin[])[] }): void {
  for (const a of plugins.actions ?? []) actions.set(a.name, a);
  // A factory may return plugins that share per-fit state (e.g. the two preference metrics).
  for (const make of plugins.metrics ?? []) if (!metricFactories.includes(make)) metricFactories.push(make);
}

/** The built-in actions by name, and a fresh instance of each built-in metric plugin (they keep per-fit state). */
export function builtinPlugins(): { actions: Map<string, ActionPlugin>; metrics: MetricPlugin[] } {
  if (actions.size === 0) {
    throw new Error(
      "emGuard: em-guard's built-in actions and metrics are not registered. Import em-guard through its package entry (`import { emGuard } from 'em-guard'`), or, inside this repository, import `src/registerBuiltins.ts` (or `src/index.ts`) before building a guard",
    );
  }
  return { actions: new Map(actions), metrics: metricFactories.flatMap((make) => make()) };
}
