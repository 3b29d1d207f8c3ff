import { writeSync } from 'node:fs';

/** Writes all of `data` (a string as UTF-8) to an open fd: `writeSync` may write less than asked. */
export function writeAll(fd: number, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}
