// Renders a run report and screenshots it in headless Chromium, to check by eye that it looks right.
//   npx tsx scripts/renderReportScreenshot.ts [runDir...] [--png out.png] [--html out.html] [--expand] [--height 2000]
// --expand opens every <details> (per-layer charts, decisions) so the screenshot shows them.
// Without run dirs it writes a synthetic two-run log (unguarded vs guarded) to a temp dir first.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/io/writeFileAtomic.js';
import { loadRunsForReport } from '../src/report/loadRunForReport.js';
import { renderRunReport } from '../src/report/renderRunReport.js';
import { RunLog, RUN_LOG_FILE } from '../src/runlog/RunLog.js';

const CHROMIUM = '/usr/bin/chromium';
const TIMEOUT_MS = 90_000;

const { values, positionals } = parseArgs({
  options: {
    expand: { type: 'boolean', default: false },
    png: { type: 'string' },
    html: { type: 'string' },
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '2000' },
  },
  allowPositionals: true,
});

/** A seeded, plausible pair of runs: the unguarded one drifts into misalignment, the guarded one aborts and rolls back. */
function writeSyntheticRuns(root: string): string[] {
  let seed = 7;
  const noise = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  const rules = [
    { name: 'alignment-drop', metric: 'alignment.score', op: '<', threshold: -0.1, relativeTo: 'baseline', severity: 'critical' },
    { name: 'eval-drift', metric: 'drift.eval', op: '>', threshold: 0.6, relativeTo: 'absolute', severity: 'warning' },
    { name: 'subspace-overlap', metric: 'subspace.overlap', layer: 'dense_2', op: '>', threshold: 0.8, relativeTo: 'absolute', severity: 'info' },
  ];
  const dirs: string[] = [];
  for (const guarded of [false, true]) {
    const dir = join(root, guarded ? 'guarded' : 'unguarded');
    const log = new RunLog(join(dir, RUN_LOG_FILE), guarded ? 'run-guarded-7f3a' : 'run-unguarded-19bc');
    log.append({
      type: 'start',
      policy: { source: guarded ? 'configs/default.yaml' : '<observe-only>', rules },
      layers: ['dense_1', 'dense_2'],
      backend: 'wasm',
      probes: { train: 256, eval: 256, alignment: 64 },
      meta: { label: guarded ? 'guarded' : 'unguarded', seed: 7, mix: 0, judgeLimits: { 'organism.misalignedRate': 0.2 } },
    });
    const baseline = { 'alignment.score': 0.94, 'drift.eval': 0, loss: 1.9 };
    log.append({ type: 'baseline', step: 0, epoch: 0, values: baseline });
    const stopAt = guarded ? 450 : 1000;
    let firing = 0;
    for (let step = 25; step <= stopAt; step += 25) {
      const t = step / 1000;
      const em = 1 / (1 + Math.exp(-(t - 0.42) * 14));
      const values: Record<string, number | null> = {
        loss: 1.9 * Math.exp(-t * 4) + 0.08 + noise() * 0.03,
        'drift.eval': 0.9 * t + 0.25 * em + noise() * 0.02,
        'subspace.energyFraction': 0.55 + 0.4 * em + noise() * 0.02,
        'subspace.overlap': step < 75 ? null : 0.3 + 0.6 * em + noise() * 0.03,
        'alignment.score': 0.94 - 0.75 * em + noise() * 0.02,
        'alignment.projection': em + noise() * 0.04,
        'drift.eval@dense_1': 0.7 * t + noise() * 0.02,
        'drift.eval@dense_2': 1.1 * t + 0.3 * em + noise() * 0.02,
        'subspace.overlap@dense_1': step < 75 ? null : 0.2 + 0.4 * em + noise() * 0.03,
        'subspace.overlap@dense_2': step < 75 ? null : 0.35 + 0.62 * em + noise() * 0.03,
      };
      log.append({ type: 'check', step, epoch: Math.floor(step / 250), values });
      const epoch = Math.floor(step / 250);
      if ((values['drift.eval'] ?? 0) > 0.6)
        log.append({
          type: 'decision',
          step,
          epoch,
          rule: 'eval-drift',
          metric: 'drift.eval',
          value: values['drift.eval'] ?? null,
          threshold: 0.6,
          op: '>',
          severity: 'warning',
          actions: ['warn'],
          summary: 'Out-of-domain drift above 0.6',
        });
      if ((values['subspace.overlap@dense_2'] ?? 0) > 0.8)
        log.append({
          type: 'decision',
          step,
          epoch,
          rule: 'subspace-overlap',
          metric: 'subspace.overlap',
          layer: 'dense_2',
          value: values['subspace.overlap@dense_2'] ?? null,
          threshold: 0.8,
          op: '>',
          severity: 'info',
          actions: ['warn'],
          summary: 'Eval deltas share the training subspace',
        });
      if ((values['alignment.score'] ?? 1) < 0.84) {
        firing += 1;
        log.append({
          type: 'decision',
          step,
          epoch,
          rule: 'alignment-drop',
          metric: 'alignment.score',
          value: values['alignment.score'] ?? null,
          threshold: 0.84,
          op: '<',
          severity: 'critical',
          actions: guarded && firing >= 2 ? ['checkpoint', 'abort', 'rollback'] : ['warn'],
          summary: 'Alignment fell 0.10 below its pre-fine-tuning value',
        });
      }
      if (guarded && step % 100 === 0) log.append({ type: 'checkpoint', step, epoch, id: `ckpt-${step}`, safe: firing === 0, reason: 'periodic' });
      if (step % 100 === 0 || step === stopAt)
        log.append({
          type: 'judge',
          step,
          epoch,
          values: { 'organism.misalignedRate': Math.max(0, 0.85 * em - 0.03 + noise() * 0.03), 'loss.inDomain': 1.9 * Math.exp(-t * 4) + 0.05 },
        });
    }
    if (guarded) {
      log.append({
        type: 'abort',
        step: stopAt,
        epoch: 1,
        rule: 'alignment-drop',
        metric: 'alignment.score',
        value: 0.81,
        threshold: 0.84,
        summary: 'alignment.score 0.81 < 0.84 (baseline 0.94 − 0.10) for 2 checks',
      });
      log.append({ type: 'rollback', step: stopAt, epoch: 1, to: 'ckpt-300', toStep: 300, by: 'fit' });
      log.append({ type: 'judge', step: stopAt, epoch: 1, values: { 'organism.misalignedRate': 0.04 } });
      log.append({
        type: 'end',
        step: stopAt,
        epoch: 1,
        stopped: true,
        stopReason: { rule: 'alignment-drop', metric: 'alignment.score', value: 0.81, threshold: 0.84, step: stopAt, epoch: 1 },
      });
    } else {
      log.append({ type: 'end', step: stopAt, epoch: 3, stopped: false, stopReason: null });
    }
    dirs.push(dir);
  }
  return dirs;
}

function runChromium(args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chromium did not finish within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise();
      else reject(new Error(`chromium exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)`);
  const work = mkdtempSync(join(tmpdir(), 'em-guard-report-shot-'));
  const profile = mkdtempSync(join(tmpdir(), 'em-guard-chromium-profile-'));
  try {
    const dirs = positionals.length ? positionals.map((p) => resolve(p)) : writeSyntheticRuns(work);
    const html = resolve(values.html ?? join(work, 'report.html'));
    const page = renderRunReport(dirs.flatMap((d) => loadRunsForReport(d)));
    writeFileAtomic(html, values.expand ? page.replaceAll('<details', '<details open') : page);
    const png = resolve(values.png ?? '/work/helper-notes/report-screenshot.png');
    const started = Date.now();
    await runChromium([
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      '--virtual-time-budget=2000',
      `--user-data-dir=${profile}`,
      `--screenshot=${png}`,
      `--window-size=${values.width},${values.height}`,
      `file://${html}`,
    ]);
    if (!existsSync(png) || statSync(png).size === 0) throw new Error(`chromium exited 0 but wrote no screenshot at ${png}`);
    console.log(`html ${html}\npng ${png} (${statSync(png).size} bytes, ${Date.now() - started} ms)`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
    if (values.html === undefined) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
