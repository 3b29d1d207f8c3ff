// Child process of runLogSync.test.ts: appends to a coalescing run log and, in the same synchronous
// stretch (before the coalesced write's microtask), exits (`exit`) or throws (`throw`). `defer-exit`
// / `defer-kill`: with `deferTypes: ['check']`, a notice (written at the end of its stretch), then a
// check (deferred), then, a few ms later (before the delayed write), `process.exit` / SIGKILL.
import { RunLog } from '../src/runlog/RunLog.js';

const [path, how] = process.argv.slice(2);
if (how === 'defer-exit' || how === 'defer-kill') {
  const log = new RunLog(path!, 'child', { coalesce: true, deferTypes: ['check'] });
  log.append({ type: 'notice', step: 1, epoch: 0, code: 'c', message: 'm' });
  await Promise.resolve(); // the notice's write
  log.append({ type: 'check', step: 2, epoch: 0, values: { loss: 1 }, reasons: {}, timingsMs: {} } as never);
  setTimeout(() => (how === 'defer-exit' ? process.exit(3) : process.kill(process.pid, 'SIGKILL')), 10);
} else {
  const log = new RunLog(path!, 'child', { coalesce: true });
  log.append({ type: 'check', step: 1, epoch: 0, values: { loss: 1 }, reasons: {}, timingsMs: {} } as never);
  log.append({ type: 'end', step: 1, epoch: 0, stopped: false, stopReason: null });
  if (how === 'exit') process.exit(3);
  throw new Error('uncaught in the same stretch');
}
