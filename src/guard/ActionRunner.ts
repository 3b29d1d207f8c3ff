import type * as tf from '@tensorflow/tfjs';
import type { Decision, Policy } from '../policy/types.js';
import type { GuardRecorder } from './GuardRecorder.js';
import type { ActionPlugin, GuardControls } from './pluginTypes.js';

/**
 * Runs the policy's actions for the decisions of one check: each action once per firing episode
 * (the checks in a row at which its rule fires) unless it acts at `everyCheck`, at most once per
 * check across rules; then the `idle` hooks of the rules that did not fire. Keeps the firing set and
 * each (rule, action)'s memo for one fit.
 */
export class ActionRunner {
  private firing = new Set<string>();
  private memos = new Map<string, Record<string, number>>();

  constructor(
    private readonly policy: Policy,
    private readonly actions: ReadonlyMap<string, ActionPlugin>,
    private readonly recorder: GuardRecorder,
  ) {}

  /** Whether a rule of severity above `info` fired at the last check. */
  firingUnsafe(): boolean {
    return this.policy.rules.some((r) => this.firing.has(r.name) && r.severity !== 'info');
  }

  async run(decisions: readonly Decision[], at: { step: number; epoch: number }, model: tf.LayersModel, guard: GuardControls): Promise<void> {
    const ran = new Set<string>();
    for (const d of decisions) {
      this.recorder.decision(d);
      const newEpisode = !this.firing.has(d.rule);
      for (const name of d.actions) {
        const action = this.actions.get(name);
        if (ran.has(name) || !(newEpisode || action?.everyCheck)) continue;
        ran.add(name);
        if (!action) {
          this.recorder.error({ event: 'unknown-action', action: name, rule: d.rule }, `em-guard: rule ${d.rule} names unknown action ${name}`);
          continue;
        }
        await this.guarded(name, d.rule, () => action.run({ decision: d, decisions, ...at, model, guard, ...this.state(d.rule, name) }));
      }
    }
    this.firing = new Set(decisions.map((d) => d.rule));
    for (const rule of this.policy.rules) {
      if (this.firing.has(rule.name)) continue;
      for (const name of rule.actions) {
        const action = this.actions.get(name);
        if (action?.idle) await this.guarded(name, rule.name, () => action.idle!({ rule: rule.name, ...at, model, guard, ...this.state(rule.name, name) }));
      }
    }
  }

  /** A failing action is logged and skipped: the check, the other actions and training go on. */
  private async guarded(name: string, rule: string, run: () => void | Promise<void>): Promise<void> {
    try {
      await run();
    } catch (e) {
      this.recorder.error({ event: 'action-error', action: name, rule, err: e }, `em-guard: action ${name} failed: ${(e as Error).message}`);
    }
  }

  /** An action's parameters on a rule and the numbers it keeps for that rule during this fit. */
  private state(rule: string, action: string): { options: Readonly<Record<string, number>>; memo: Record<string, number> } {
    const key = `${rule}\u0000${action}`;
    let memo = this.memos.get(key);
    if (!memo) this.memos.set(key, (memo = {}));
    return { options: this.policy.rules.find((r) => r.name === rule)?.actionOptions?.[action] ?? {}, memo };
  }
}
