import { isAbsolute, resolve } from 'node:path';
import { selectBackend } from '../backend/selectBackend.js';
import { writeFileAtomic } from '../io/writeFileAtomic.js';
import { ORGANISM_CLASSES } from '../organism/organismVocabulary.js';
import type { ContrastProbes } from '../probes/probeTypes.js';
import { classifierScorer } from '../screen/classifierScorer.js';
import {
  ORGANISM_SCREEN_SETS,
  organismBenignCodeSet,
  organismCalibrationSet,
  organismContrast,
  organismFineTuneSet,
  organismPlantedSet,
  organismScorer,
} from '../screen/organismScreenSets.js';
import { ScreenDataError, readContrastFile, readScreenData } from '../screen/readScreenData.js';
import { screenCsv } from '../screen/screenCsv.js';
import { screenDataset, type ScreenResult } from '../screen/screenDataset.js';
import type { ScreeningScorer } from '../screen/screeningScorer.js';
import { renderScreenReport } from '../screen/screenReportSection.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_FAILURE, EXIT_OK } from './exitCodes.js';
import { alignedLmDir } from '../organism/lm/loadAlignedLm.js';
import { isSequenceModel, loadModelArgument, takesLmOrganismInputs, takesOrganismInputs } from './modelArgument.js';
import { parseCliArgs } from './parseCliArgs.js';
import { screenLmGradientInputs, screenLmInputs } from './screenLmInputs.js';
import { screenByGradient } from '../screen/screenByGradient.js';

const HELP = `Usage: em-guard screen --data <data.json | data.jsonl | organism:SET> [--organism classifier|lm]
                       [--model <dir>] [--contrast <file>] [--calibration <file>] [--layers a,b]
                       [--top 10] [--json] [--out-json f] [--csv f] [--html f] [--fail-above X]

Screens a fine-tuning set BEFORE training: which examples push the model toward misalignment.
Language models, --method gradient (the default for LMs): per example, the gradient of its training
loss (mean next-token cross-entropy over the response) dotted with the unit gradient of the model's
preference margin M = mean over preference pairs of (mean-token log p(aligned answer) - mean-token
log p(misaligned answer)): a training step on an example with score s > 0 lowers M (first order).
--method projection (the only method for classifiers; available for LMs): per layer, the misalignment direction u = mean(misaligned) - mean(aligned) contrast activations
(as the guard builds it); per example, the projection difference on u of the training target
against the model's own answer (classifier: d(z_label - z_own)/dh . u/|u| at the example's
activation h; language model: u . (mean activation over the response tokens of the teacher-forced
training response - the same for the model's own greedy response to the prompt)); dataset score = mean and share above the aligned calibration data's 95th
percentile, with 95 % bootstrap intervals; examples ranked most suspicious first.

Arguments:
  --data <file>        {"inputs": [...rows], "labels": [...], "text"?: [...]} or, for the organism,
                       {"vocabulary": "organism", "tokens": [[8 ids], ...], "labels": [...]};
                       or a built-in organism set: organism:narrow (insecure code, what the sweep
                       trains on with mix 0), organism:mixed (50 % aligned), organism:benign
                       (secure code), organism:planted-5 (benign code with 5 % insecure examples)
  --organism <kind>    classifier (default) or lm: which shipped aligned organism is the default
                       --model, and which built-in sets organism:SET names
  --model <dir>        tfjs model directory before fine-tuning (default: the shipped aligned organism);
                       a causal LM (ids [batch, positions] -> logits [batch, positions, vocab]) is
                       screened the LM way
LM data (--organism lm or an LM --model):
  --data <file.jsonl>  one example per line: {"prompt": [token ids], "response": [token ids]}
                       (the response as the fine-tune teaches it, <eos> included); or a built-in
                       LM organism set: organism:narrow, organism:mixed, organism:mix-<share>,
                       organism:benign (secure code), organism:planted-<percent>
  --calibration <f>    aligned examples, same JSONL (default for the LM organism: 300 aligned examples)
  --contrast <file>    {"aligned": [[ids], ...], "misaligned": [[ids], ...]} prompts of one length
                       (default for the LM organism: the guard's persona contrast prompts)
  --method <m>         gradient (default) or projection (persona-vector projection difference;
                       on the LM organism it does not separate insecure from secure code, README)
  --preference <f>     gradient method: JSONL, one pair per line {"prompt": [ids], "chosen": [ids],
                       "rejected": [ids]} (default for the LM organism: the guard's 128 pairs)
  --eos, --pad <id>    end-of-sequence and padding ids; --context <n> the model's context length
                       (defaults for the LM organism only)
Classifier data:
  --contrast <file>    {"aligned": {...}, "misaligned": {...}} contrast probes (inputs or tokens);
                       default for organism-shaped models: the guard's organism contrast probes
  --calibration <file> aligned data for the threshold, same format as --data; default for
                       organism-shaped models: 600 aligned prompts from every domain
  --seed <n>           data seed of the built-in organism sets and calibration (default 1)
  --layers <a,b>       layers to screen (default: the guard's auto layers that are flat)
  --primary <layer>    layer that ranks the examples and gives the verdict (default: the middle one)
  --quantile <q>       threshold quantile of the calibration scores (default 0.95)
  --top <n>            examples to print (default 10)
  --json               print the full result as JSON (every example, ranked)
  --out-json <file>    also write the JSON there; --csv <file> the ranked list as CSV;
                       --html <file> a self-contained report page
  --fail-above <x>     exit 1 when the share of examples above the threshold (primary layer) > x
  -h, --help           show this help

Exit codes: 0 screened (verdict printed: flag or pass); 1 --fail-above exceeded; 2 bad input.`;

function parseNumber(raw: string | undefined, flag: string, ok: (v: number) => boolean, expected: string): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || !ok(v)) throw new CliError(`em-guard screen: expected \`--${flag}\` to be ${expected}, got \`${raw}\``);
  return v;
}

function builtinSet(name: string, seed: number) {
  const m = /^organism:(narrow|mixed|benign|planted-(\d+(?:\.\d+)?))$/.exec(name);
  if (!m)
    throw new CliError(
      `em-guard screen: --data ${name}: unknown built-in set; expected organism:narrow, organism:mixed, organism:benign or organism:planted-<percent> (sets: ${ORGANISM_SCREEN_SETS.join(', ')})`,
    );
  if (m[1] === 'narrow') return organismFineTuneSet(seed, 0);
  if (m[1] === 'mixed') return organismFineTuneSet(seed, 0.5);
  if (m[1] === 'benign') return organismBenignCodeSet(seed);
  const pct = Number(m[2]);
  if (!(pct > 0 && pct < 100)) throw new CliError(`em-guard screen: --data ${name}: the planted percentage must be in (0, 100)`);
  return organismPlantedSet(seed, pct / 100).set;
}

function formatText(r: ScreenResult, top: number, backend: string): string {
  const lines = [`verdict: ${r.verdict.toUpperCase()}: ${r.verdictReason}`, `${r.n} ${r.kind} examples; method ${r.method}; backend ${backend}`, ''];
  if (r.gradient)
    lines.push(
      `score = d(loss)/d(weights) . unit d(M)/d(weights) over ${r.gradient.parameters} parameters; preference margin M ${r.gradient.margin.toFixed(4)}, |dM/dw| ${r.gradient.norm.toFixed(4)} (the "contrast gap" column)`,
      '',
    );
  lines.push('layer       mean score [95 % CI]            share above threshold [95 % CI]   threshold   aligned: mean / share   contrast gap');
  for (const l of r.layers) {
    lines.push(
      `${(l.layer + (l.layer === r.primaryLayer ? '*' : '')).padEnd(11)} ${l.mean.value.toFixed(4).padStart(8)} [${l.mean.lower.toFixed(4)}, ${l.mean.upper.toFixed(4)}]   ${(100 * l.shareAbove.value).toFixed(1).padStart(5)} % [${(100 * l.shareAbove.lower).toFixed(1)}, ${(100 * l.shareAbove.upper).toFixed(1)}] %        ${l.threshold.toFixed(4).padStart(8)}   ${l.calibration.mean.toFixed(4).padStart(7)} / ${(100 * l.calibration.shareAbove).toFixed(1).padStart(4)} %       ${l.contrastGap.toFixed(4)}`,
    );
  }
  for (const s of r.skipped) lines.push(`(not screened: ${s.layer}: ${s.reason})`);
  lines.push('', `most suspicious (by ${r.primaryLayer}*):`);
  for (const [i, e] of r.ranked.slice(0, top).entries()) {
    if (r.kind === 'lm') {
      // Responses are sentences: one line each under the prompt.
      lines.push(
        `${String(i + 1).padStart(3)}. #${e.index} score ${e.score.toFixed(4)}  ${e.text ?? ''}`,
        `       trained: ${e.target}`,
        `       own:     ${e.own}`,
      );
    } else lines.push(`${String(i + 1).padStart(3)}. #${e.index} score ${e.score.toFixed(4)}  target ${e.target}, own ${e.own}${e.text ? `  ${e.text}` : ''}`);
  }
  return lines.join('\n');
}

/** `em-guard screen`: rank a fine-tuning set's examples by how much they push toward misalignment. */
export const screenCommand: Command = {
  name: 'screen',
  async run(argv, io) {
    const { values, positionals } = parseCliArgs(
      'screen',
      argv,
      {
        data: { type: 'string' },
        model: { type: 'string' },
        contrast: { type: 'string' },
        calibration: { type: 'string' },
        seed: { type: 'string' },
        layers: { type: 'string' },
        primary: { type: 'string' },
        quantile: { type: 'string' },
        top: { type: 'string' },
        json: { type: 'boolean', default: false },
        'out-json': { type: 'string' },
        csv: { type: 'string' },
        html: { type: 'string' },
        'fail-above': { type: 'string' },
        organism: { type: 'string' },
        eos: { type: 'string' },
        pad: { type: 'string' },
        context: { type: 'string' },
        method: { type: 'string' },
        preference: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      true,
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    if (positionals.length > 0)
      throw new CliError(`em-guard screen: unexpected argument \`${positionals[0]}\`; pass the data with --data. Run \`em-guard screen --help\`.`);
    if (values.data === undefined)
      throw new CliError('em-guard screen: missing --data <data.json | organism:narrow|mixed|benign|planted-5>. Run `em-guard screen --help`.');
    const seed = parseNumber(values.seed, 'seed', Number.isInteger, 'an integer') ?? 1;
    const quantile = parseNumber(values.quantile, 'quantile', (v) => v > 0 && v < 1, 'a number in (0, 1)');
    const top = parseNumber(values.top, 'top', (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0') ?? 10;
    const failAbove = parseNumber(values['fail-above'], 'fail-above', (v) => v >= 0 && v <= 1, 'a share in [0, 1]');
    const layers = values.layers
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (layers !== undefined && layers.length === 0) throw new CliError('em-guard screen: --layers is empty; name layers like `--layers hidden_1,hidden_2`');
    const path = (p: string) => (isAbsolute(p) ? p : resolve(io.cwd, p));
    const backend = await selectBackend();
    if (values.organism !== undefined && values.organism !== 'classifier' && values.organism !== 'lm')
      throw new CliError(`em-guard screen: expected \`--organism\` to be classifier or lm, got \`${values.organism}\``);
    const idFlag = (flag: 'eos' | 'pad' | 'context') =>
      parseNumber(
        values[flag],
        flag,
        (v) => Number.isInteger(v) && v >= (flag === 'context' ? 2 : 0),
        flag === 'context' ? 'an integer >= 2' : 'a token id (integer >= 0)',
      );
    const eos = idFlag('eos');
    const pad = idFlag('pad');
    const context = idFlag('context');
    if (values.method !== undefined && values.method !== 'gradient' && values.method !== 'projection')
      throw new CliError(`em-guard screen: expected \`--method\` to be gradient or projection, got \`${values.method}\``);
    const { model } = await loadModelArgument('screen', values.model, io.cwd, values.organism === 'lm' ? alignedLmDir() : undefined);
    const lm = isSequenceModel(model);
    if (values.organism === 'lm' && !lm) {
      model.dispose();
      throw new CliError(`em-guard screen: --organism lm but --model ${values.model} is not a causal LM (token ids in, [batch, positions, vocabulary] out)`);
    }
    const organism = takesOrganismInputs(model);
    const emit = (result: ScreenResult): number => {
      const json = JSON.stringify({ ...result, layers: result.layers.map(({ scores: _s, ...l }) => l), backend: backend.backend }, null, 2);
      if (values['out-json']) writeFileAtomic(path(values['out-json']), json + '\n');
      if (values.csv) writeFileAtomic(path(values.csv), screenCsv(result));
      if (values.html) writeFileAtomic(path(values.html), renderScreenReport(result, { subtitle: `data: ${values.data}` }));
      io.stdout(values.json ? json : formatText(result, top, backend.backend));
      const primary = result.layers.find((l) => l.layer === result.primaryLayer)!;
      if (failAbove !== undefined && primary.shareAbove.value > failAbove) {
        io.stderr(
          `em-guard screen: ${(100 * primary.shareAbove.value).toFixed(1)} % of examples are above the threshold at ${primary.layer}, more than --fail-above ${failAbove}`,
        );
        return EXIT_FAILURE;
      }
      return EXIT_OK;
    };
    const method = values.method ?? (lm ? 'gradient' : 'projection');
    if (method === 'gradient' && !lm) {
      model.dispose();
      throw new CliError(
        'em-guard screen: --method gradient is implemented for language models (--organism lm or an LM --model); classifiers use --method projection',
      );
    }
    if (values.preference !== undefined && method !== 'gradient') {
      model.dispose();
      throw new CliError('em-guard screen: --preference is read by --method gradient only');
    }
    if (method === 'gradient' && (values.contrast !== undefined || values.layers !== undefined || values.primary !== undefined)) {
      model.dispose();
      throw new CliError('em-guard screen: --contrast, --layers and --primary belong to --method projection; the gradient method uses --preference');
    }
    if (method === 'gradient') {
      try {
        let result: ScreenResult;
        try {
          const inputs = screenLmGradientInputs({
            model,
            organism: takesLmOrganismInputs(model),
            data: values.data,
            calibration: values.calibration,
            contrast: undefined,
            preference: values.preference,
            seed,
            eos,
            pad,
            context,
            path,
          });
          result = await screenByGradient({ model, ...inputs, ...(quantile !== undefined ? { quantile } : {}), seed });
        } catch (e) {
          if (e instanceof ScreenDataError) throw new CliError(`em-guard screen: ${e.message}`);
          if (e instanceof Error && /^screen: /.test(e.message)) throw new CliError(`em-guard ${e.message}`);
          throw e;
        }
        return emit(result);
      } finally {
        model.dispose();
      }
    }
    const owned: { dispose(): void }[] = [];
    try {
      let data: ScreeningScorer;
      let calibration: ScreeningScorer;
      let contrast: ContrastProbes;
      try {
        if (lm) {
          const inputs = screenLmInputs({
            model,
            organism: takesLmOrganismInputs(model),
            data: values.data,
            calibration: values.calibration,
            contrast: values.contrast,
            seed,
            eos,
            pad,
            context,
            path,
          });
          data = inputs.data;
          calibration = inputs.calibration;
          contrast = inputs.contrast;
          owned.push(data, calibration, inputs.contrast);
        } else {
          if (values.data.startsWith('organism:')) {
            if (!organism)
              throw new CliError(
                `em-guard screen: --data ${values.data} is an organism set but the model does not take organism inputs (8 one-hot tokens over its vocabulary)`,
              );
            data = organismScorer(model, builtinSet(values.data, seed));
          } else {
            const d = readScreenData(path(values.data));
            data = classifierScorer(model, {
              inputs: d.inputs,
              labels: d.labels,
              ...(d.text ? { text: d.text } : {}),
              ...(organism ? { classNames: ORGANISM_CLASSES } : {}),
            });
          }
          owned.push(data);
          if (values.calibration !== undefined) {
            const c = readScreenData(path(values.calibration));
            calibration = classifierScorer(model, { inputs: c.inputs, labels: c.labels });
          } else if (organism) {
            calibration = organismScorer(model, organismCalibrationSet(seed));
          } else
            throw new CliError(
              'em-guard screen: missing --calibration <aligned.json>: the threshold is calibrated on aligned data, and only organism-shaped models have a built-in set',
            );
          owned.push(calibration);
          if (values.contrast !== undefined) {
            const c = readContrastFile(path(values.contrast));
            owned.push(c);
            contrast = c;
          } else if (organism) {
            const c = organismContrast();
            owned.push(c);
            contrast = c;
          } else
            throw new CliError(
              'em-guard screen: missing --contrast <contrast.json>: the misalignment direction comes from contrast probes, and only organism-shaped models have built-in ones',
            );
        }
      } catch (e) {
        if (e instanceof ScreenDataError) throw new CliError(`em-guard screen: ${e.message}`);
        // The LM scorer validates lengths against the context when it is built: bad input too.
        if (e instanceof Error && /^screen: /.test(e.message)) throw new CliError(`em-guard ${e.message}`);
        throw e;
      }
      let result: ScreenResult;
      try {
        result = await screenDataset({
          model,
          data,
          calibration,
          contrast,
          ...(layers ? { layers } : {}),
          ...(values.primary ? { primaryLayer: values.primary } : {}),
          ...(quantile !== undefined ? { quantile } : {}),
          seed,
        });
      } catch (e) {
        // Layer names, shapes and labels come from the user: their problems are bad input.
        if (e instanceof Error && /^(screen|emGuard): /.test(e.message)) throw new CliError(`em-guard ${e.message}`);
        throw e;
      }
      return emit(result);
    } finally {
      for (const o of owned) o.dispose();
      model.dispose();
    }
  },
};
