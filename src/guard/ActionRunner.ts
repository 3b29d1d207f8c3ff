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
  /** A rule of the policy lists an action with an `idle` hook: every check may run one. */
  private readonly hasIdle: boolean;

  constructor(
    private readonly policy: Policy,
    private readonly actions: ReadonlyMap<string, ActionPlugin>,
    private readonly recorder: GuardRecorder,
  ) {
    this.hasIdle = policy.rules.some((r) => r.actions.some((name) => actions.get(name)?.idle !== undefined));
  }

  /** Whether a rule of severity above `info` fired at the last check. */
  firingUnsafe(): boolean {
    return this.policy.rules.some((r) => this.firing.has(r.name) && r.severity !== 'info');
  }

  /**
   * Runs the check's actions; returns a promise only when an action or idle hook runs. Most checks
   * run none (no rule fires, or only rules already in their episode): those record their decisions
   * and return synchronously, so the verdict takes no promise hop for them (the guard then does not
   * await: each hop there measured tens of µs of the training thread, the verdict's code being cold).
   */
  run(decisions: readonly Decision[], at: { step: number; epoch: number }, model: tf.LayersModel, guard: GuardControls): Promise<void> | undefined {
    if (!this.hasIdle && !decisions.some((d) => this.acts(d))) {
      for (const d of decisions) this.recorder.decision(d);
      this.updateFiring(decisions);
      return undefined;
    }
    return this.runActions(decisions, at, model, guard);
  }

  /** Whether `run` would start an action for `d` (or say it is unknown): `runActions`' test without its `ran` set, which only matters once one ran. */
  private acts(d: Decision): boolean {
    if (d.actions.length === 0) return false;
    if (!this.firing.has(d.rule)) return true;
    return d.actions.some((name) => this.actions.get(name)?.everyCheck === true);
  }

  private updateFiring(decisions: readonly Decision[]): void {
    this.firing.clear();
    for (const d of decisions) this.firing.add(d.rule);
  }

  private async runActions(decisions: readonly Decision[], at: { step: number; epoch: number }, model: tf.LayersModel, guard: GuardControls): Promise<void> {
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
    this.updateFiring(decisions);
    if (!this.hasIdle) return;
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
