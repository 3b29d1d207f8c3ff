// Child process of runLogSync.test.ts: appends to a coalescing run log and, in the same synchronous
// stretch (before the coalesced write's microtask), exits (`exit`) or throws (`throw`).
import { RunLog } from '../src/runlog/RunLog.js';

const [path, how] = process.argv.slice(2);
const log = new RunLog(path!, 'child', { coalesce: true });
log.append({ type: 'check', step: 1, epoch: 0, values: { loss: 1 }, reasons: {}, timingsMs: {} } as never);
log.append({ type: 'end', step: 1, epoch: 0, stopped: false, stopReason: null });
if (how === 'exit') process.exit(3);
throw new Error('uncaught in the same stretch');
