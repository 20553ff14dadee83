import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Positions } from '../../engine/control.js';
import { DataError } from '../../engine/errors.js';
import type { InputTracking } from '../../engine/source-driver.js';

/**
 * Where a bounded file was read to, as carried by batch boundaries and stored
 * in sink commits: the byte just past the last line read, and the file's
 * identity (device and inode, as decimal strings: inodes can exceed 2^53).
 * The key of a position is the file's resolved path (symlinks followed).
 */
export interface FilePosition {
  offset: number;
  dev: string;
  ino: string;
}

interface Identity {
  dev: string;
  ino: string;
  size: number;
  /** The path with `.`, `..` and symlinks resolved: the key of the file's position. */
  key: string;
}

function identity(path: string): Identity {
  try {
    const st = statSync(path, { bigint: true });
    return { dev: String(st.dev), ino: String(st.ino), size: Number(st.size), key: realpathSync(path) };
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
 * The committed position that belongs to a file: the one under its resolved
 * path, else (checkpoints written before positions were keyed so) the one
 * under the path as written, else one of the same device and inode under
 * another name (the file was renamed, or is a hard link). `as` is the key it was found under.
 */
function committedOf(path: string, now: Identity, resume: Positions | undefined): { position: unknown; as: string } | undefined {
  if (!resume) return undefined;
  for (const key of [now.key, resolve(path), path]) if (resume[key] !== undefined) return { position: resume[key], as: key };
  for (const [key, p] of Object.entries(resume)) if (isFilePosition(p) && p.dev === now.dev && p.ino === now.ino) return { position: p, as: key };
  return undefined;
}

/** The committed position of a file read whole (by its names or its identity); undefined when there is none or the file cannot be read. */
export function committedPosition(resume: Positions, path: string): unknown {
  try {
    return committedOf(path, identity(path), resume)?.position;
  } catch {
    return undefined;
  }
}

/**
 * How to read `path`: from the committed position when there is one, after
 * checking that it is still the same file and has not shrunk. A file is
 * known by what it is, not by how it is named: `in.ndjson`, `./in.ndjson`,
 * its absolute path and a symlink to it all resume the same position. A
 * replaced (other inode) or truncated file is an error: the committed offset
 * would point into different data, and silently starting over would duplicate output.
 */
export function fileTracking(path: string, resume: Positions | undefined, checkpointDir: string, warn: (line: string) => void): InputTracking & { resumed: boolean } {
  const now = identity(path);
  let startOffset = 0;
  const found = committedOf(path, now, resume);
  if (found) {
    const committed = found.position;
    if (!isFilePosition(committed)) throw new DataError(`checkpoint ${checkpointDir}: the committed position of ${path} is not a file position (${JSON.stringify(committed)})`);
    const advice = `the committed position no longer applies; remove ${checkpointDir} to read everything again`;
    if (committed.dev !== now.dev || committed.ino !== now.ino) {
      throw new DataError(`${path} is another file than the one read before (inode ${committed.ino} then, ${now.ino} now: replaced or rotated); ${advice}`);
    }
    if (now.size < committed.offset) {
      throw new DataError(`${path} is shorter (${now.size} bytes) than the committed position (${committed.offset}): it was truncated; ${advice}`);
    }
    if (found.as !== now.key && found.as !== resolve(path) && found.as !== path) {
      warn(`sluice source: ${path} is the file read before as ${found.as} (same device and inode): continuing at byte ${committed.offset}`);
    }
    startOffset = committed.offset;
  }
  return { startOffset, key: now.key, resumed: found !== undefined, at: (offset): FilePosition => ({ offset, dev: now.dev, ino: now.ino }) };
}
