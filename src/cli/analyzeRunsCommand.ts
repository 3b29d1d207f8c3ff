import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { analyzeRuns } from '../analysis/analyzeRuns.js';
import { formatAnalyzeRuns } from '../analysis/formatAnalyzeRuns.js';
import { writeFileAtomic } from '../io/writeFileAtomic.js';
import { PolicyError } from '../policy/policyError.js';
import { renderSweepReport } from '../report/renderSweepReport.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_OK } from './exitCodes.js';
import { parseCliArgs } from './parseCliArgs.js';

const HELP = `Usage: em-guard analyze-runs <sweepDir> [--json] [--limit 0.25] [--label final|peak] [--policy default] [--html [file]]

The paper's analysis on a sweep's runs (each <sweepDir>/<runId>/ with run.jsonl and result.json):
loss <-> alignment correlation (Pearson, Spearman, 95% CI, p; paper ~0.32), alignment per
schedule/optimizer at matched final loss, Welch's t-test of alignment before vs after, per-prompt
CV R^2 of ridge regression from pre-fine-tuning activations on the delta subspace vs a random one
(permutation test, random forest; paper ~0.45), delta-subspace overlap across runs vs k/d, and the
guard's detection quality: AUROC of every metric at 10/25/50 % of training, the policy replayed
offline (false aborts, missed EM, lead time in checks) next to a loss early-stopping baseline, and
in-sample threshold proposals.

Arguments:
  <sweepDir>        the sweep's output directory (its \`out\`, e.g. runs/sweep-demo)

Flags:
  --limit <x>       EM label: final out-of-domain misaligned rate > x (default: the sweep's, 0.25)
  --label <l>       final: EM = final rate > limit (default); peak: the judge exceeded the limit at
                    any check (transient EM that the fine-tune later undid counts as EM)
  --policy <p>      policy to replay: bundled name or YAML path (default: default)
  --permutations <n> permutations of the prediction test (default 100; 0 skips it)
  --within-train-permutations <n>
                    permutations of the within-train predictor's test, on the run whose targets
                    vary most (default 0 = skipped; the paper used 200: ≈ 35 s CPU on 128 prompts)
  --no-within-train skip the within-train predictor (repeated 5×10-fold CV with a LassoCV per fold)
  --json            print the full analysis as JSON instead of the table
  --html [file]     also write the sweep page (scatter with fit, ROC curves at 25 %); default
                    <sweepDir>/sweep-report.html
  -h, --help        show this help

Exit codes: 0 analysed; 2 bad input (no such directory, fewer than 2 finished runs, bad flag).`;

/** `em-guard analyze-runs`: statistics and detection quality over a sweep directory. */
export const analyzeRunsCommand: Command = {
  name: 'analyze-runs',
  async run(argv, io) {
    // `--html` takes an optional value: accept `--html` alone by pre-processing argv.
    const args = [...argv];
    let html: string | null = null;
    const at = args.indexOf('--html');
    if (at >= 0) {
      const next = args[at + 1];
      html = next !== undefined && !next.startsWith('-') && next.endsWith('.html') ? next : '';
      args.splice(at, html === '' ? 1 : 2);
    }
    const { values, positionals } = parseCliArgs(
      'analyze-runs',
      args,
      {
        limit: { type: 'string' },
        label: { type: 'string' },
        policy: { type: 'string' },
        permutations: { type: 'string' },
        'within-train-permutations': { type: 'string' },
        'no-within-train': { type: 'boolean', default: false },
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
      throw new CliError(
        `em-guard analyze-runs: expected exactly one sweep directory, got ${positionals.length}. Usage: em-guard analyze-runs <sweepDir> [--json]`,
      );
    const dir = isAbsolute(positionals[0]!) ? positionals[0]! : resolve(io.cwd, positionals[0]!);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new CliError(`em-guard analyze-runs: ${dir} is not a directory; pass the sweep's output directory (e.g. runs/sweep-demo)`);
    const num = (name: string, raw: string | undefined, ok: (v: number) => boolean, expected: string): number | undefined => {
      if (raw === undefined) return undefined;
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v) || !ok(v))
        throw new CliError(`em-guard analyze-runs: expected \`--${name}\` to be ${expected}, got \`${raw}\``);
      return v;
    };
    const limit = num('limit', values.limit, (v) => v > 0 && v < 1, 'a number in (0, 1)');
    const permutations = num('permutations', values.permutations, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
    const withinTrainPermutations = num(
      'within-train-permutations',
      values['within-train-permutations'],
      (v) => Number.isInteger(v) && v >= 0,
      'an integer >= 0',
    );
    const label = values.label ?? 'final';
    if (label !== 'final' && label !== 'peak') throw new CliError(`em-guard analyze-runs: expected \`--label\` to be final or peak, got \`${label}\``);
    let report;
    try {
      report = analyzeRuns(dir, {
        label,
        ...(limit !== undefined ? { limit } : {}),
        ...(permutations !== undefined ? { permutations } : {}),
        ...(withinTrainPermutations !== undefined ? { withinTrainPermutations } : {}),
        withinTrain: !values['no-within-train'],
        policy: values.policy ?? 'default',
      });
    } catch (e) {
      if (e instanceof PolicyError) throw new CliError(`em-guard analyze-runs: ${e.message}`);
      if (e instanceof Error && e.message.startsWith(dir)) throw new CliError(`em-guard analyze-runs: ${e.message}`);
      throw e;
    }
    if (html !== null) {
      const out = html === '' ? join(dir, 'sweep-report.html') : isAbsolute(html) ? html : resolve(io.cwd, html);
      if (!existsSync(dirname(out))) throw new CliError(`em-guard analyze-runs: cannot write ${out}: directory ${dirname(out)} does not exist`);
      writeFileAtomic(out, renderSweepReport(report));
      io.stderr(`sweep report: ${out}`);
    }
    io.stdout(values.json ? JSON.stringify(report, null, 2) : formatAnalyzeRuns(report));
    return EXIT_OK;
  },
};
