import { loadPolicy } from '../policy/loadPolicy.js';
import { describePolicy, type PolicyDescription } from '../policy/describePolicy.js';
import { formatPolicyProblem, PolicyError, type PolicyProblem } from '../policy/policyError.js';
import { BUNDLED_POLICIES } from '../policy/policyKeys.js';
import { CliError } from './cliError.js';
import type { Command } from './command.js';
import { EXIT_OK, EXIT_USAGE } from './exitCodes.js';
import { parseCliArgs } from './parseCliArgs.js';

const HELP = `Usage: em-guard validate <policy...> [--json]

Check policy files without training anything: every problem of every file is reported with
file:line:col, the key path, what was expected and a fix. A bare word (${BUNDLED_POLICIES.join(', ')})
names a bundled policy. Relative paths are resolved against the current directory.

Flags:
  --json      Print one JSON object on stdout: { ok, files: [{ file, ok, summary | problems }] }
              (problems carry code, file, line, col, path, message, expected, hint).
  -h, --help  Show this help.

Exit codes: 0 every file is valid (one summary line each on stdout); 2 at least one file is
invalid (all problems on stderr, summaries of the valid files still on stdout).`;

type FileResult = { file: string; ok: true; summary: PolicyDescription } | { file: string; ok: false; problems: readonly PolicyProblem[] };

/** `em-guard validate`: the reviewer's check that a policy loads exactly as intended. */
export const validateCommand: Command = {
  name: 'validate',
  async run(argv, io) {
    const { values, positionals } = parseCliArgs('validate', argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true);
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    if (positionals.length === 0)
      throw new CliError('em-guard validate: expected at least one policy file, e.g. `em-guard validate policy.yaml`. Run `em-guard validate --help`.');
    const results: FileResult[] = positionals.map((file) => {
      try {
        return { file, ok: true, summary: describePolicy(loadPolicy(file, { baseDir: io.cwd })) };
      } catch (e) {
        if (e instanceof PolicyError) return { file, ok: false, problems: e.problems };
        throw e;
      }
    });
    const ok = results.every((r) => r.ok);
    if (values.json) {
      io.stdout(JSON.stringify({ ok, files: results }));
    } else {
      for (const r of results) {
        if (r.ok) io.stdout(`${r.file}: ok: ${r.summary.text}`);
        else
          io.stderr(
            `${r.file}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}\n${r.problems.map((p) => `  ${formatPolicyProblem(p)}`).join('\n')}`,
          );
      }
    }
    return ok ? EXIT_OK : EXIT_USAGE;
  },
};
