import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { selectBackend } from '../backend/selectBackend.js';
import { evaluateForecast } from '../forecast/evaluateForecast.js';
import { ForecastModelError, readForecastModel, signatureMismatch } from '../forecast/forecastModel.js';
import { renderForecastReport, renderRecommendSection } from '../forecast/forecastReportSection.js';
import { fitForecast } from '../forecast/fitForecast.js';
import { recommendConfigs } from '../forecast/recommendConfigs.js';
import { SweepForecastError, sweepOrganism } from '../forecast/sweepForecastRuns.js';
import { alignedLmDir } from '../organism/lm/loadAlignedLm.js';
import { writeFileAtomic } from '../io/writeFileAtomic.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_OK } from './exitCodes.js';
import { loadModelArgument, takesLmOrganismInputs, takesOrganismInputs } from './modelArgument.js';
import { parseCliArgs } from './parseCliArgs.js';

const HELP = `Usage: em-guard recommend <sweepDir> [--forecast forecast.json] [--model <dir>] [--json] [--html f]

The diagnostic synthesis of a sweep: every configuration (optimizer, schedule, learning rate, mix;
averaged over seeds) with its observed final misaligned rate, its forecast made without seeing its
runs (nested-CV out-of-fold forecasts of a forecast fitted on this sweep, or --forecast fitted on
another sweep), its in-domain loss and how often the bundled policy fired; ranked at matched
in-domain loss (loss terciles); the best configuration among those that learned the task (lowest
loss tercile) is named with the evidence. Works on classifier and LM organism sweeps (default
--model: the shipped aligned organism, or the shipped aligned LM for an LM sweep).

Exit codes: 0 done; 2 bad input.`;

/** `em-guard recommend`: rank a sweep's configurations at matched in-domain loss. */
export const recommendCommand: Command = {
  name: 'recommend',
  async run(argv, io) {
    const { values, positionals } = parseCliArgs(
      'recommend',
      argv,
      {
        forecast: { type: 'string' },
        model: { type: 'string' },
        html: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      true,
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    if (positionals.length !== 1)
      throw new CliError(`em-guard recommend: expected one <sweepDir>, got ${positionals.length}. Run \`em-guard recommend --help\`.`);
    const abs = (p: string) => (isAbsolute(p) ? p : resolve(io.cwd, p));
    const dir = abs(positionals[0]!);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new CliError(`em-guard recommend: ${positionals[0]}: not a directory; pass a sweep's output directory`);
    let saved = null;
    try {
      saved = values.forecast ? readForecastModel(abs(values.forecast)) : null;
    } catch (e) {
      if (e instanceof ForecastModelError) throw new CliError(`em-guard recommend: ${e.message}`);
      throw e;
    }
    // An LM sweep (or an LM forecast) defaults to the shipped aligned LM as the model the runs started from.
    const lm = (saved ? saved.features.definition.organism === 'lm' : false) || sweepOrganism(dir) === 'lm';
    await selectBackend();
    const { model } = await loadModelArgument('recommend', values.model, io.cwd, lm ? alignedLmDir() : undefined);
    try {
      if (lm ? !takesLmOrganismInputs(model) : !takesOrganismInputs(model))
        throw new CliError(
          `em-guard recommend: the model does not take ${lm ? 'the LM organism' : 'organism'} inputs; recommend supports organism sweeps (classifier or LM) from the model their runs started from`,
        );
      let rec;
      try {
        if (saved) {
          const why = signatureMismatch(saved, model);
          if (why) throw new CliError(`em-guard recommend: refusing the model: ${why}`);
          const ev = await evaluateForecast(saved, model, dir);
          const fc = await fitForecast(dir, model, { layers: saved.signature.layers.map((l) => l.name), organism: lm ? 'lm' : 'classifier' });
          const byId = new Map(ev.predictions.map((p) => [p.runId, p.forecast]));
          rec = recommendConfigs(
            fc.runs,
            fc.runs.map((r) => byId.get(r.runId) ?? r.outOfFold),
            { limit: saved.limit },
          );
        } else {
          const fc = await fitForecast(dir, model, { organism: lm ? 'lm' : 'classifier' });
          rec = recommendConfigs(
            fc.runs,
            fc.runs.map((r) => r.outOfFold),
            { limit: fc.limit },
          );
        }
      } catch (e) {
        if (e instanceof SweepForecastError) throw new CliError(`em-guard recommend: ${e.message}`);
        throw e;
      }
      if (values.html) writeFileAtomic(abs(values.html), renderForecastReport([renderRecommendSection(rec)], 'em-guard recommend'));
      if (values.json) {
        io.stdout(JSON.stringify(rec, null, 2));
        return EXIT_OK;
      }
      const lines = [
        rec.best ? `best: ${rec.best.key}` : 'no configuration has an in-domain loss to compare',
        ...rec.evidence.map((e) => `  - ${e}`),
        '',
        'tercile rank  configuration                         runs  observed  forecast  loss     policy fired',
      ];
      for (const c of rec.configs)
        lines.push(
          `${String(c.lossBin + 1).padStart(7)} ${String(c.rankInBin).padStart(4)}  ${c.key.padEnd(36)} ${String(c.runs).padStart(4)}  ${c.observed.toFixed(3).padStart(8)}  ${c.forecast.toFixed(3).padStart(8)}  ${(c.inDomainLoss?.toPrecision(3) ?? '–').padStart(6)}  ${(100 * c.policyFiredShare).toFixed(0).padStart(5)} %`,
        );
      io.stdout(lines.join('\n'));
      return EXIT_OK;
    } finally {
      model.dispose();
    }
  },
};
