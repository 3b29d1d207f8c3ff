import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { selectBackend } from '../backend/selectBackend.js';
import { applyForecast } from '../forecast/applyForecast.js';
import { evaluateForecast } from '../forecast/evaluateForecast.js';
import { dataFeatures, type DataFeatures } from '../forecast/forecastFeatures.js';
import { ForecastModelError, readForecastModel, signatureMismatch } from '../forecast/forecastModel.js';
import { renderForecastReport, renderForecastSection } from '../forecast/forecastReportSection.js';
import { fitForecast } from '../forecast/fitForecast.js';
import { defaultTrainSize, organismFeatureSource } from '../forecast/organismFeatureSource.js';
import { RunSettingsError, readRunSettings } from '../forecast/runSettingsFile.js';
import { SweepForecastError, sweepOrganism } from '../forecast/sweepForecastRuns.js';
import { LM_RECIPE } from '../organism/lm/lmRecipe.js';
import { alignedLmDir } from '../organism/lm/loadAlignedLm.js';
import { writeFileAtomic } from '../io/writeFileAtomic.js';
import { PolicyError } from '../policy/policyError.js';
import { classifierScorer } from '../screen/classifierScorer.js';
import { organismCalibrationSet, organismContrast, organismScorer } from '../screen/organismScreenSets.js';
import { ScreenDataError, readContrastFile, readScreenData } from '../screen/readScreenData.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import type { CliIo } from './cliIo.js';
import { EXIT_OK } from './exitCodes.js';
import { loadModelArgument, takesLmOrganismInputs, takesOrganismInputs } from './modelArgument.js';
import { parseCliArgs } from './parseCliArgs.js';

const HELP = `Usage: em-guard forecast fit <sweepDir> --out forecast.json [--model <dir>] [--layers a,b] [--html f] [--json]
       em-guard forecast apply forecast.json --config run.yaml [--model <dir>] [--json]
       em-guard forecast evaluate forecast.json <heldOutSweepDir> [--model <dir>] [--html f] [--json]

Forecasts a fine-tune's final out-of-domain misaligned rate BEFORE it runs.

fit       Features of every run of an organism sweep (classifier, or LM with \`organism: lm\`):
          its configuration (log10 lr, mix, epochs, optimizer, schedule, optimizer x lr) and, for
          the classifier, pre-fine-tuning activation features of its training set (screening score
          and share, training prompts' projection on the misalignment direction, per layer). An LM
          sweep uses the configuration only: its screen features did not help on held-out seeds
          (README "Forecasting a language model"). Target: final misaligned rate. Ridge or Lasso and its penalty chosen by nested CV (5 outer x 4 inner folds); saves
          the feature definition, the model's layers and widths, the nested-CV R^2 with a bootstrap
          interval, out-of-fold residuals (prediction interval), the bundled policy replayed on
          every run, and the source sweep.
apply     Forecast for a planned run (run.yaml: optimizer, schedule, learningRate, mix, epochs,
          seed, trainSize, data? (classifier only); LM defaults: epochs 5, trainSize 256), with a
          95 % prediction interval, the sweep's nearest runs and whether the bundled policy would
          likely fire. Refuses a model whose layers or widths do not match the forecast's.
evaluate  Applies the forecast to every run of another (held-out) sweep: R^2, Pearson, Spearman.

Flags:
  --model <dir>     the model before fine-tuning (default: the shipped aligned organism; for an LM
                    sweep or LM forecast, the shipped aligned LM)
  --out <file>      where fit writes the forecast (required for fit)
  --config <file>   run.yaml for apply
  --contrast, --calibration <file>  for apply with a non-organism model and a data file (see screen)
  --json            print JSON; --html <file> also write a report page
  -h, --help        show this help

Exit codes: 0 done; 2 bad input (no sweep, malformed forecast, mismatched model, bad run.yaml).`;

function abs(io: CliIo, p: string): string {
  return isAbsolute(p) ? p : resolve(io.cwd, p);
}

async function withInputErrors<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (
      e instanceof SweepForecastError ||
      e instanceof ForecastModelError ||
      e instanceof RunSettingsError ||
      e instanceof ScreenDataError ||
      e instanceof PolicyError
    )
      throw new CliError(`em-guard forecast: ${e.message.split('\n')[0]}`);
    if (e instanceof Error && /^screen: /.test(e.message)) throw new CliError(`em-guard forecast: ${e.message}`);
    throw e;
  }
}

/** `em-guard forecast fit|apply|evaluate`. */
export const forecastCommand: Command = {
  name: 'forecast',
  async run(argv, io) {
    const { values, positionals } = parseCliArgs(
      'forecast',
      argv,
      {
        model: { type: 'string' },
        out: { type: 'string' },
        config: { type: 'string' },
        layers: { type: 'string' },
        contrast: { type: 'string' },
        calibration: { type: 'string' },
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
    const [sub, ...args] = positionals;
    if (sub !== 'fit' && sub !== 'apply' && sub !== 'evaluate')
      throw new CliError(`em-guard forecast: expected a subcommand fit, apply or evaluate, got \`${sub ?? ''}\`. Run \`em-guard forecast --help\`.`);
    const wantArgs = sub === 'evaluate' ? 2 : 1;
    if (args.length !== wantArgs)
      throw new CliError(
        `em-guard forecast ${sub}: expected ${sub === 'fit' ? '<sweepDir>' : sub === 'apply' ? '<forecast.json>' : '<forecast.json> <heldOutSweepDir>'}, got ${args.length} argument(s). Run \`em-guard forecast --help\`.`,
      );
    for (const [i, a] of args.entries()) {
      const isDir = (sub === 'fit' && i === 0) || (sub === 'evaluate' && i === 1);
      const p = abs(io, a);
      if (!existsSync(p)) throw new CliError(`em-guard forecast ${sub}: ${a}: no such ${isDir ? 'directory' : 'file'}`);
      if (isDir !== statSync(p).isDirectory())
        throw new CliError(`em-guard forecast ${sub}: ${a}: expected a ${isDir ? 'sweep directory' : 'forecast JSON file'}`);
    }
    if (sub === 'fit' && !values.out) throw new CliError('em-guard forecast fit: missing --out <forecast.json>');
    if (sub === 'apply' && !values.config) throw new CliError('em-guard forecast apply: missing --config <run.yaml>');
    const saved = sub === 'fit' ? null : await withInputErrors(async () => readForecastModel(abs(io, args[0]!)));
    // The organism decides the default --model: the shipped aligned LM for LM sweeps and forecasts.
    const organism = saved ? (saved.features.definition.organism ?? 'classifier') : sweepOrganism(abs(io, args[0]!));
    const backend = await selectBackend();
    const { model } = await loadModelArgument('forecast', values.model, io.cwd, organism === 'lm' ? alignedLmDir() : undefined);
    try {
      if (saved) {
        const why = signatureMismatch(saved, model);
        if (why)
          throw new CliError(
            `em-guard forecast ${sub}: refusing the model: ${why}; the forecast's features are defined on ${saved.signature.layers.map((l) => `${l.name}[${l.width}]`).join(', ')} of a model with input ${JSON.stringify(saved.signature.inputShape)}`,
          );
      }
      if (sub === 'fit') {
        const layers = values.layers
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (organism === 'lm' ? !takesLmOrganismInputs(model) : !takesOrganismInputs(model))
          throw new CliError(
            `em-guard forecast fit: the model does not take ${organism === 'lm' ? 'the LM organism' : 'organism'} inputs; fit rebuilds each ${organism === 'lm' ? 'LM ' : ''}organism run's training data on the model the runs started from (${organism === 'lm' ? 'default: the shipped aligned LM' : 'default: the shipped aligned organism'})`,
          );
        const fc = await withInputErrors(() =>
          fitForecast(abs(io, args[0]!), model, { ...(layers ? { layers } : {}), organism: organism === 'lm' ? 'lm' : 'classifier' }),
        );
        writeFileAtomic(abs(io, values.out!), JSON.stringify(fc, null, 1) + '\n');
        if (values.html) writeFileAtomic(abs(io, values.html), renderForecastReport([renderForecastSection(fc)]));
        const summary = {
          out: abs(io, values.out!),
          runs: fc.source.runs,
          model: fc.model.kind,
          lambda: fc.model.lambda,
          cvR2: fc.cv.r2,
          cvR2Interval: [fc.cv.lower, fc.cv.upper],
          spearman: fc.cv.spearman,
          predictionInterval: fc.residuals,
          policyFiredShare: fc.policy.firedShare,
          backend: backend.backend,
        };
        io.stdout(
          values.json
            ? JSON.stringify(summary, null, 2)
            : `forecast fitted on ${fc.source.runs} runs of ${args[0]} (${fc.features.names.length} features): ${fc.model.kind} λ=${fc.model.lambda}; nested-CV R² ${fc.cv.r2.toFixed(3)} [95 % CI ${fc.cv.lower.toFixed(3)}, ${fc.cv.upper.toFixed(3)}], Spearman ${fc.cv.spearman?.toFixed(3) ?? '–'}; written to ${values.out}`,
        );
        return EXIT_OK;
      }
      if (sub === 'evaluate') {
        const ev = await withInputErrors(() => evaluateForecast(saved!, model, abs(io, args[1]!)));
        if (values.html) writeFileAtomic(abs(io, values.html), renderForecastReport([renderForecastSection(saved!, ev)]));
        io.stdout(
          values.json
            ? JSON.stringify(ev, null, 2)
            : `held-out ${args[1]} (${ev.runs} runs): R² ${ev.r2.value.toFixed(3)} [95 % CI ${ev.r2.lower.toFixed(3)}, ${ev.r2.upper.toFixed(3)}], Pearson ${ev.pearson.r?.toFixed(3)}, Spearman ${ev.spearman.r?.toFixed(3)} [${ev.spearman.ci?.map((v) => v.toFixed(3)).join(', ') ?? '–'}]; forecast > ${saved!.limit} vs observed EM: TP ${ev.confusion.truePositive}, FP ${ev.confusion.falsePositive}, TN ${ev.confusion.trueNegative}, FN ${ev.confusion.falseNegative}`,
        );
        return EXIT_OK;
      }
      // apply
      const configPath = abs(io, values.config!);
      const lm = organism === 'lm';
      const run = await withInputErrors(async () =>
        readRunSettings(configPath, lm ? { epochs: LM_RECIPE.stage3.epochs, trainSize: defaultTrainSize('lm') } : undefined),
      );
      const isOrganism = lm ? takesLmOrganismInputs(model) : takesOrganismInputs(model);
      const features: DataFeatures = await withInputErrors(async () => {
        if (lm && run.data !== null)
          throw new CliError(
            `em-guard forecast apply: ${values.config}: \`data\` is not supported for an LM forecast; its features are read from the LM organism's training set (seed, mix, trainSize)`,
          );
        if (run.data === null) {
          if (!isOrganism)
            throw new CliError(
              lm
                ? `em-guard forecast apply: the model is not an LM organism model (token ids in, logits over the LM organism's vocabulary out); pass the model the runs started from`
                : `em-guard forecast apply: ${values.config} has no \`data\` and the model does not take organism inputs; name the training set with \`data: train.json\``,
            );
          const source = organismFeatureSource(model, saved!.features.definition);
          try {
            return await source.features(run.seed, run.mix, run.trainSize);
          } finally {
            source.dispose();
          }
        }
        const d = readScreenData(resolve(dirname(configPath), run.data!));
        const data = classifierScorer(model, { inputs: d.inputs.clone(), labels: d.labels });
        const owned: { dispose(): void }[] = [data, { dispose: () => d.inputs.dispose() }];
        try {
          if (!isOrganism && (!values.contrast || !values.calibration))
            throw new CliError('em-guard forecast apply: a non-organism model needs --contrast and --calibration (see `em-guard screen --help`)');
          const contrast = values.contrast ? readContrastFile(abs(io, values.contrast)) : organismContrast();
          owned.push(contrast);
          const calibration = values.calibration
            ? (() => {
                const c = readScreenData(abs(io, values.calibration!));
                return classifierScorer(model, { inputs: c.inputs, labels: c.labels });
              })()
            : organismScorer(model, organismCalibrationSet(1));
          owned.push(calibration);
          return await dataFeatures(model, saved!.features.definition, { data, inputs: d.inputs, calibration, contrast });
        } finally {
          for (const o of owned) o.dispose();
        }
      });
      const out = applyForecast(saved!, run, features);
      io.stdout(
        values.json
          ? JSON.stringify(out, null, 2)
          : [
              `forecast final misaligned rate: ${out.forecast.toFixed(3)} (95 % prediction interval ${out.interval[0].toFixed(3)}–${out.interval[1].toFixed(3)}); forecast R² on its sweep (nested CV) ${saved!.cv.r2.toFixed(3)}`,
              `bundled policy \`${out.policy.name}\` would likely ${out.policy.likelyFires ? 'FIRE' : 'not fire'}: forecast ${out.policy.forecastAboveLimit ? 'above' : 'at or below'} the EM limit ${saved!.limit}; it fired on ${(100 * out.policy.nearestFiredShare).toFixed(0)} % of the ${out.nearest.length} nearest sweep runs`,
              'nearest sweep runs:',
              ...out.nearest.map(
                (n) =>
                  `  ${n.runId}  distance ${n.distance.toFixed(2)}  final rate ${n.misalignedRate.toFixed(3)}  policy ${n.policyFired ? 'fired' : 'silent'}`,
              ),
            ].join('\n'),
      );
      return EXIT_OK;
    } finally {
      model.dispose();
    }
  },
};
