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

  constructor(path: string, runId: string, options: { coalesce?: boolean } = {}) {
    this.path = path;
    this.runId = runId;
    this.coalesce = options.coalesce ?? false;
    mkdirSync(dirname(path), { recursive: true });
  }

  append(record: WithoutTime<RunLogRecord>): RunLogRecord {
    this.throwWriteError();
    const full = { ...record, time: new Date().toISOString(), runId: this.runId } as RunLogRecord;
    const line = JSON.stringify(full) + '\n';
    if (!this.coalesce) {
      this.write(line);
      return full;
    }
    if (this.pending === '') {
      queueMicrotask(() => {
        try {
          this.writePending();
        } catch (e) {
          this.writeError = e instanceof Error ? e : new Error(String(e));
        }
      });
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
  private writePending(): void {
    unwritten.delete(this);
    if (this.pending === '') return;
    const lines = this.pending;
    this.pending = '';
    this.write(lines);
  }

  private write(lines: string): void {
    this.fd ??= openSync(this.path, 'a');
    writeSync(this.fd, lines);
    this.scheduleSync();
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
      this.startSync();
    }, RUN_LOG_SYNC_DELAY_MS);
  }

  private startSync(): void {
    this.syncing = fsyncAsync(this.fd!).then(
      () => this.afterSync(),
      () => this.afterSync(), // a failed fsync leaves the data in the OS cache: nothing to undo
    );
  }

  private afterSync(): void {
    this.syncing = null;
    if (this.dirty) {
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
