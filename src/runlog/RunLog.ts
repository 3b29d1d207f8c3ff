import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunLogRecord } from './runLogRecord.js';

export const RUN_LOG_FILE = 'run.jsonl';

type WithoutTime<T> = T extends unknown ? Omit<T, 'time' | 'runId'> : never;

/**
 * Appends records to `run.jsonl`, one JSON object per line, fsynced per append so a crash loses
 * at most the record being written (a torn last line is skipped by `readRunLog`).
 */
export class RunLog {
  readonly path: string;
  readonly runId: string;
  constructor(path: string, runId: string) {
    this.path = path;
    this.runId = runId;
    mkdirSync(dirname(path), { recursive: true });
  }

  append(record: WithoutTime<RunLogRecord>): RunLogRecord {
    const full = { ...record, time: new Date().toISOString(), runId: this.runId } as RunLogRecord;
    const line = JSON.stringify(full) + '\n';
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return full;
  }
}

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
