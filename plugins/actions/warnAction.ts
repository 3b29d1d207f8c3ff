import type { ActionPlugin } from '../../src/guard/pluginTypes.js';

/** `warn`: one pino `warn` line with the decision (the guard already logs every decision at its severity). */
export const warnAction: ActionPlugin = {
  name: 'warn',
  description: 'log a warning line (pino warn) with the rule, metric, value and threshold',
  run({ decision, guard }) {
    guard.logger.warn(
      {
        event: 'warn',
        rule: decision.rule,
        metric: decision.metric,
        value: decision.value,
        threshold: decision.threshold,
        step: decision.step,
        epoch: decision.epoch,
        layer: decision.layer,
        severity: decision.severity,
        runDir: guard.runDir,
      },
      decision.summary,
    );
  },
};
