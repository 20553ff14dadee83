import { statSync } from 'node:fs';
import { DataError } from '../../engine/errors.js';
import type { InputTracking } from '../../engine/source-driver.js';

/**
 * Where a bounded file was read to, as carried by batch boundaries and stored
 * in sink commits: the byte just past the last line read, and the file's
 * identity (device and inode, as decimal strings: inodes can exceed 2^53).
 */
export interface FilePosition {
  offset: number;
  dev: string;
  ino: string;
}

function identity(path: string): { dev: string; ino: string; size: number } {
  try {
    const st = statSync(path, { bigint: true });
    return { dev: String(st.dev), ino: String(st.ino), size: Number(st.size) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

function isFilePosition(p: unknown): p is FilePosition {
  const f = p as FilePosition;
  return typeof f === 'object' && f !== null && Number.isSafeInteger(f.offset) && f.offset >= 0 && typeof f.ino === 'string' && typeof f.dev === 'string';
}

/**
 * How to read `path`: from the committed position when there is one, after
 * checking that it is still the same file and has not shrunk. A replaced
 * (other inode) or truncated file is an error: the committed offset would
 * point into different data, and silently starting over would duplicate output.
 */
export function fileTracking(path: string, committed: unknown, checkpointDir: string): InputTracking {
  const now = identity(path);
  let startOffset = 0;
  if (committed !== undefined) {
    if (!isFilePosition(committed)) throw new DataError(`checkpoint ${checkpointDir}: the committed position of ${path} is not a file position (${JSON.stringify(committed)})`);
    const advice = `the committed position no longer applies; remove ${checkpointDir} to read everything again`;
    if (committed.dev !== now.dev || committed.ino !== now.ino) {
      throw new DataError(`${path} is another file than the one read before (inode ${committed.ino} then, ${now.ino} now: replaced or rotated); ${advice}`);
    }
    if (now.size < committed.offset) {
      throw new DataError(`${path} is shorter (${now.size} bytes) than the committed position (${committed.offset}): it was truncated; ${advice}`);
    }
    startOffset = committed.offset;
  }
  return { startOffset, at: (offset): FilePosition => ({ offset, dev: now.dev, ino: now.ino }) };
}
