import * as tf from '@tensorflow/tfjs';
import type { Logger } from 'pino';

/** The order em-guard tries backends in: native GPU, native CPU, the embedded wasm, plain JS. */
export const BACKEND_PREFERENCE = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendCandidate = (typeof BACKEND_PREFERENCE)[number];

export interface BackendAttempt {
  candidate: BackendCandidate;
  ok: boolean;
  /** Why it was skipped, e.g. "@tensorflow/tfjs-node-gpu not installed". */
  reason?: string;
}

export interface BackendChoice {
  /** The candidate in use. */
  candidate: BackendCandidate;
  /** `tf.getBackend()` afterwards: `tensorflow`, `wasm` or `cpu`. */
  backend: string;
  attempts: BackendAttempt[];
  /** One sentence for humans, e.g. "using wasm (tfjs-node-gpu: not installed; tfjs-node: not installed)". */
  summary: string;
}

export interface SelectBackendOptions {
  /**
   * Candidates to try, in order. Default: `EM_GUARD_BACKEND` (one name) when set, else
   * `BACKEND_PREFERENCE`.
   */
  prefer?: readonly BackendCandidate[];
  /** Receives one `info` line with the choice and the reasons. Default: none. */
  logger?: Pick<Logger, 'info'>;
  /** How optional packages are loaded; tests replace it to simulate missing or broken installs. */
  importer?: (specifier: string) => Promise<unknown>;
}

const NATIVE_PACKAGE: Partial<Record<BackendCandidate, string>> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
};

function isCandidate(x: string): x is BackendCandidate {
  return (BACKEND_PREFERENCE as readonly string[]).includes(x);
}

function describe(e: unknown, specifier: string): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    const msg = e instanceof Error ? e.message : '';
    // Only "not installed" when the missing module is the package itself, not one of its parts.
    if (msg.includes(`'${specifier}'`) || msg.includes(`"${specifier}"`)) return `${specifier} not installed`;
  }
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  return `${specifier} failed to load: ${first}`;
}

/** Reads `EM_GUARD_BACKEND`; throws a clear error for an unknown value instead of ignoring it. */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): BackendCandidate[] | undefined {
  const raw = env.EM_GUARD_BACKEND?.trim();
  if (!raw) return undefined;
  if (!isCandidate(raw)) {
    throw new Error(`EM_GUARD_BACKEND: expected one of ${BACKEND_PREFERENCE.join(', ')}, got \`${raw}\``);
  }
  return [raw];
}

/**
 * Picks the fastest backend that actually loads here and makes it current. tfjs-node* are
 * optional peers (their install downloads libtensorflow, which fails offline), so they are only
 * ever imported dynamically and a failure just moves on to the next candidate.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const prefer = options.prefer ?? backendFromEnv() ?? BACKEND_PREFERENCE;
  const importer = options.importer ?? ((s: string) => import(s));
  const attempts: BackendAttempt[] = [];
  for (const candidate of prefer) {
    const specifier = NATIVE_PACKAGE[candidate];
    try {
      if (specifier) {
        await importer(specifier);
        if (!(await tf.setBackend('tensorflow'))) throw new Error('backend "tensorflow" did not initialise');
      } else if (candidate === 'wasm') {
        await importer('@tensorflow/tfjs-backend-wasm');
        if (!(await tf.setBackend('wasm'))) throw new Error('backend "wasm" did not initialise');
      } else {
        if (!(await tf.setBackend('cpu'))) throw new Error('backend "cpu" did not initialise');
      }
      await tf.ready();
      attempts.push({ candidate, ok: true });
      const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.candidate}: ${a.reason}`);
      const summary = `using ${candidate}` + (skipped.length ? ` (${skipped.join('; ')})` : '');
      options.logger?.info({ component: 'em-guard', event: 'backend', backend: tf.getBackend(), candidate, attempts }, `tfjs backend: ${summary}`);
      return { candidate, backend: tf.getBackend(), attempts, summary };
    } catch (e) {
      const reason = specifier ? describe(e, specifier) : ((e instanceof Error ? e.message : String(e)).split('\n')[0] ?? 'failed');
      attempts.push({ candidate, ok: false, reason });
    }
  }
  throw new Error(`em-guard: no tfjs backend could be started: ${attempts.map((a) => `${a.candidate}: ${a.reason}`).join('; ')}`);
}
