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

/**
 * Appends records to `run.jsonl`, one JSON object per line. Each append is written to the OS at
 * once (a crash of the process loses at most the record being written; a torn last line is skipped
 * by `readRunLog`); the fsync that makes it survive a power loss runs off the training thread
 * (measured ≈ 1 ms per record on the calling thread otherwise), at most `RUN_LOG_SYNC_DELAY_MS`
 * after the append (one fsync for the records of that interval), and `flush()` starts it at once
 * and waits for it.
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
  /** A delayed fsync not started yet (it covers every record appended so far). */
  private timer: NodeJS.Timeout | null = null;

  constructor(path: string, runId: string) {
    this.path = path;
    this.runId = runId;
    mkdirSync(dirname(path), { recursive: true });
  }

  append(record: WithoutTime<RunLogRecord>): RunLogRecord {
    const full = { ...record, time: new Date().toISOString(), runId: this.runId } as RunLogRecord;
    const line = JSON.stringify(full) + '\n';
    this.fd ??= openSync(this.path, 'a');
    writeSync(this.fd, line);
    this.scheduleSync();
    return full;
  }

  /** Resolves once every appended record is fsynced. */
  async flush(): Promise<void> {
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
