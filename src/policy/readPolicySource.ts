import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { PolicyProblem } from './policyError.js';
import { POLICY_ERROR_CODES as C } from './policyErrorCodes.js';
import { MAX_POLICY_BYTES } from './readPolicyYaml.js';

/** Policy text read from disk, or the problems that stopped it. */
export type PolicySource = { readonly text: string; readonly problems?: undefined } | { readonly text?: undefined; readonly problems: PolicyProblem[] };

function position(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: offset - start + 1 };
}

/**
 * Decode policy bytes as strict UTF-8. On failure, binary-search the longest valid prefix
 * (streaming decode of a prefix only fails on a real error, never on a cut character) so the
 * message can point at the first bad byte.
 */
export function decodePolicyBytes(bytes: Uint8Array, file: string): PolicySource {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    let lo = 0;
    let hi = bytes.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
        lo = mid;
      } catch {
        hi = mid - 1;
      }
    }
    // The first `lo` bytes decode when streaming. If they do not decode as a whole, they end in an
    // incomplete sequence that byte `lo` broke: the problem starts at that sequence's lead byte.
    let bad = Math.min(lo, bytes.length - 1);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, lo));
    } catch {
      bad = lo - 1;
      while (bad > 0 && ((bytes[bad] ?? 0) & 0xc0) === 0x80) bad--;
    }
    const { line, col } = position(bytes, bad);
    return {
      problems: [
        {
          code: C.invalidUtf8,
          file,
          line,
          col,
          path: '',
          message: `invalid UTF-8 byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')} at byte ${bad}`,
          expected: 'UTF-8 text',
          hint: 'save the file as UTF-8',
        },
      ],
    };
  }
}

/**
 * Read a policy file: refuse anything over `MAX_POLICY_BYTES` before reading it (a FIFO or
 * `/dev/zero` is refused because it is not a regular file), then decode strictly.
 */
export function readPolicySource(path: string, file: string): PolicySource {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    return {
      problems: [
        {
          code: C.fileNotFound,
          file,
          line: 1,
          col: 1,
          path: '',
          message: `cannot read the policy file (${code})`,
          hint: 'check the path; relative paths are resolved against the current directory',
        },
      ],
    };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      return { problems: [{ code: C.fileNotFound, file, line: 1, col: 1, path: '', message: 'not a regular file', hint: 'pass a .yaml policy file' }] };
    }
    if (st.size > MAX_POLICY_BYTES) {
      return {
        problems: [
          {
            code: C.fileTooLarge,
            file,
            line: 1,
            col: 1,
            path: '',
            message: `the file is ${st.size} bytes, over the ${MAX_POLICY_BYTES}-byte limit`,
            expected: `at most ${MAX_POLICY_BYTES} bytes`,
            hint: 'a policy is a few kilobytes; check that this is the right file',
          },
        ],
      };
    }
    // Read one byte more than the limit, in case the file grew since fstat.
    const buf = Buffer.alloc(MAX_POLICY_BYTES + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0 || n + r >= buf.length) {
        n += r;
        break;
      }
      n += r;
    }
    if (n > MAX_POLICY_BYTES) {
      return {
        problems: [
          {
            code: C.fileTooLarge,
            file,
            line: 1,
            col: 1,
            path: '',
            message: `the file is over the ${MAX_POLICY_BYTES}-byte limit`,
            expected: `at most ${MAX_POLICY_BYTES} bytes`,
          },
        ],
      };
    }
    return decodePolicyBytes(buf.subarray(0, n), file);
  } finally {
    closeSync(fd);
  }
}
