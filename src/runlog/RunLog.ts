import { closeSync, fsync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { RunLogRecord } from './runLogRecord.js';

export const RUN_LOG_FILE = 'run.jsonl';

/**
 * How long an append waits for others before its fsync starts: records a guard writes at each
 * check (every few ms on a fast model) then share one fsync, and the training thread wakes the
 * thread pool once per batch of records instead of once per record. `flush()` does not wait.
 */
export const RUN_LOG_SYNC_DELAY_MS = 200;

type WithoutTime<T> = T extends unknown ? Omit<T, 'time' | 'runId'> : never;

/** `new Date().toISOString()` of the last millisecond an append read: a check's records share one (the call measured ≈ 15 µs cold in a fit). */
let isoMs = Number.NaN;
let isoText = '';
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

/** Coalescing logs holding appended records not yet written: `process.on('exit')` writes them (`process.exit` in a listener, an uncaught exception). */
const unwritten = new Set<RunLog>();
let exitHookInstalled = false;

/**
 * Appends records to `run.jsonl`, one JSON object per line. Each append is written to the OS at
 * once (a crash of the process loses at most the record being written; a torn last line is skipped
 * by `readRunLog`), or, with `coalesce` (the guard's own log), together with the other records
 * appended in the same synchronous stretch of code, in one `writeSync` at its end (a microtask):
 * a check's `check`, `decision` and `notice` records, an abort and its decision. A `writeSync`
 * costs the training thread ≈ 0.05–0.1 ms per record on this VM. Durability then: a process that
 * exits inside that stretch (`process.exit` in an event listener, an uncaught exception) still
 * writes them from its `exit` event; only a hard kill (SIGKILL, a native crash) inside it loses
 * them, where an uncoalesced log loses at most the record being written.
 * With `deferTypes` (the guard's `check` and `decision` records) a stretch that appended only
 * records of those types is not written at its end but with the next write: the end of a stretch
 * that appends any other record (a notice, checkpoint, abort, rollback, end), `flush()`, the
 * `exit` event, an append to the same file by another `RunLog` of this process (written first,
 * so the file keeps the order of appends), or the delayed fsync's timer below, which writes them
 * and starts their fsync. In a fit that is ≈ one write per `RUN_LOG_SYNC_DELAY_MS` instead of one
 * per check: each in-fit `writeSync` measured ≈ 0.07–0.1 ms of training-thread wall (p50 66 µs,
 * mean 87 µs), ≈ 2 ms per fit of 25 checks. Durability then: a hard kill (SIGKILL, a native crash,
 * a signal whose default action ends the process, such as Ctrl-C's SIGINT without the guard's
 * `handleSignals`) loses the deferred records appended since the last write: at most
 * `RUN_LOG_SYNC_DELAY_MS` of them plus however long the event loop takes to run that timer (a
 * guarded fit lets it turn at least every 125 ms), never a record of another type nor anything
 * before it; a power loss could already lose that window (the fsync's delay).
 * The fsync that makes records survive a power loss runs off the training thread (measured
 * ≈ 1 ms per record on the calling thread otherwise), at most `RUN_LOG_SYNC_DELAY_MS` after the
 * write (one fsync for the records of that interval), and `flush()` writes what is pending, starts
 * it at once and waits for it.
 * The append descriptor stays open while records keep coming and is fsynced itself (no second
 * open per fsync); it is closed once the last fsync finds nothing new, so a log that is never
 * flushed holds no descriptor for long.
 */
export class RunLog {
  readonly path: string;
  readonly runId: string;
  private syncing: Promise<void> | null = null;
  private dirty = false;
  private fd: number | null = null;
  /** A delayed fsync not started yet (it covers every record written so far). */
  private timer: NodeJS.Timeout | null = null;
  /** Lines appended since the last write, written together at the end of this synchronous stretch. */
  private pending = '';
  /** A write failed in its microtask: thrown by the next `append` or `flush`, as a failing `append` threw before. */
  private writeError: Error | null = null;
  private readonly coalesce: boolean;
  /** Record types that wait for the next write (`deferTypes`); null: none. */
  private readonly deferTypes: ReadonlySet<string> | null;
  /** The end-of-stretch write of `pending` is queued (a microtask). */
  private writeQueued = false;

  constructor(path: string, runId: string, options: { coalesce?: boolean; deferTypes?: readonly RunLogRecord['type'][] } = {}) {
    this.path = path;
    this.runId = runId;
    this.coalesce = options.coalesce ?? false;
    this.deferTypes = this.coalesce && options.deferTypes?.length ? new Set(options.deferTypes) : null;
    mkdirSync(dirname(path), { recursive: true });
  }

  append(record: WithoutTime<RunLogRecord>): RunLogRecord {
    this.throwWriteError();
    // Another log of this process holding lines for the same file: they were appended first.
    if (unwritten.size > (unwritten.has(this) ? 1 : 0)) for (const log of unwritten) if (log !== this && log.path === this.path) log.writePendingNow();
    const full = { ...record, time: isoNow(), runId: this.runId } as RunLogRecord;
    const line = JSON.stringify(full) + '\n';
    if (!this.coalesce) {
      this.write(line);
      return full;
    }
    if (this.deferTypes?.has(record.type) === true) {
      // Written by the next write (see the class comment); the delayed fsync's timer is the latest one.
      if (!this.writeQueued) this.scheduleSync();
    } else if (!this.writeQueued) {
      this.writeQueued = true;
      queueMicrotask(() => {
        this.writeQueued = false;
        this.writePendingNow();
      });
    }
    if (this.pending === '') {
      unwritten.add(this);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on('exit', () => {
          for (const log of unwritten) {
            try {
              log.writePending();
            } catch {
              // exiting anyway: nothing left to tell
            }
          }
        });
      }
    }
    this.pending += line;
    return full;
  }

  /** Resolves once every appended record is written and fsynced. */
  async flush(): Promise<void> {
    this.throwWriteError();
    this.writePending();
    for (;;) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
        this.startSync();
      }
      if (!this.syncing) return;
      await this.syncing;
    }
  }

  /** Writes the lines appended since the last write, in one `writeSync`. */
  private writePending(schedule = true): void {
    unwritten.delete(this);
    if (this.pending === '') return;
    const lines = this.pending;
    this.pending = '';
    this.write(lines, schedule);
  }

  /** `writePending` where no caller can take its error: kept for the next `append` or `flush`, as a failing `append` threw before. */
  private writePendingNow(schedule = true): void {
    try {
      this.writePending(schedule);
    } catch (e) {
      this.writeError = e instanceof Error ? e : new Error(String(e));
    }
  }

  private write(lines: string, schedule = true): void {
    this.fd ??= openSync(this.path, 'a');
    writeSync(this.fd, lines);
    if (schedule) this.scheduleSync();
  }

  private throwWriteError(): void {
    const e = this.writeError;
    if (e === null) return;
    this.writeError = null;
    throw e;
  }

  private scheduleSync(): void {
    if (this.syncing) {
      this.dirty = true; // one more fsync after the running one covers this record
      return;
    }
    // A delayed fsync already waiting covers this record. The timer keeps the process alive, as an fsync in flight does.
    this.timer ??= setTimeout(() => {
      this.timer = null;
      // Deferred records (`deferTypes`) go to the OS now, covered by this fsync.
      this.writePendingNow(false);
      this.startSync();
    }, RUN_LOG_SYNC_DELAY_MS);
  }

  private startSync(): void {
    if (this.fd === null) return; // nothing was written (the deferred write failed)
    this.syncing = fsyncAsync(this.fd).then(
      () => this.afterSync(),
      () => this.afterSync(), // a failed fsync leaves the data in the OS cache: nothing to undo
    );
  }

  private afterSync(): void {
    this.syncing = null;
    if (this.dirty || this.pending !== '') {
      this.dirty = false;
      this.scheduleSync();
      return;
    }
    // Nothing appended since this fsync started: every record is durable; let the descriptor go.
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

const fsyncAsync = promisify(fsync);

/**
 * Reads a run log. A final line without its newline (the process died mid-write) is ignored;
 * any other unparsable line is an error naming the line number.
 */
export function readRunLog(path: string): RunLogRecord[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines.slice(0, -1);
  const out: RunLogRecord[] = [];
  complete.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as RunLogRecord);
    } catch (e) {
      throw new Error(`${path}:${i + 1}: not a JSON line (${(e as Error).message})`);
    }
  });
  return out;
}
