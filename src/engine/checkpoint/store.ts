import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { fsyncDir, writeFileAtomic } from './atomic-write.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { acquireLock, type Lock } from './lock.js';

/** Role names become directory names: keep them to a safe alphabet. */
const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkRoleName(role: string): void {
  if (!ROLE_NAME.test(role)) throw new DataError(`checkpoint name '${role}' must be letters, digits, '.', '_' or '-' (at most 64)`);
}

/**
 * One stage's part of a checkpoint directory: DIR/<role>/, locked for this
 * process while it is open. Files are `<kind>-<n>.json` (numbered by batch) or
 * `<kind>.json`; each is written atomically and verified when read.
 */
export class CheckpointRole {
  readonly path: string;
  private readonly lock: Lock;

  private constructor(
    readonly root: string,
    readonly role: string,
  ) {
    checkRoleName(role);
    this.path = join(root, role);
    try {
      mkdirSync(this.path, { recursive: true });
    } catch (err) {
      throw new DataError(`cannot create checkpoint directory ${this.path}: ${(err as Error).message}`);
    }
    this.lock = acquireLock(this.path, `checkpoint ${this.path}`);
  }

  static open(root: string, role: string): CheckpointRole {
    return new CheckpointRole(root, role);
  }

  fileName(kind: string, n?: number): string {
    return checkpointFileName(kind, n);
  }

  write(kind: string, body: unknown, n?: number): void {
    writeFileAtomic(join(this.path, this.fileName(kind, n)), encodeEnvelope(this.role, kind, body));
  }

  /** The verified body, or undefined when the file does not exist. Corruption is a DataError. */
  read(kind: string, n?: number): unknown {
    return readCheckpointFile(this.path, this.role, kind, n);
  }

  /** Batch numbers of the `<kind>-<n>.json` files, ascending. */
  numbers(kind: string): number[] {
    return numberedFiles(this.path, kind);
  }

  /** Removes numbered files of `kind` below `n`. */
  pruneBelow(kind: string, n: number): void {
    let removed = false;
    for (const k of this.numbers(kind)) {
      if (k >= n) break;
      unlinkSync(join(this.path, this.fileName(kind, k)));
      removed = true;
    }
    if (removed) fsyncDir(this.path);
  }

  remove(kind: string, n?: number): void {
    try {
      unlinkSync(join(this.path, this.fileName(kind, n)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  close(): void {
    this.lock.release();
  }
}

/**
 * `<kind>.json` or `<kind>-<n>.json`. A batch number comes from the stream, so
 * it is checked here too (the protocol reader checks it first): nothing but a
 * non-negative integer ever becomes part of a path.
 */
export function checkpointFileName(kind: string, n?: number): string {
  if (n === undefined) return `${kind}.json`;
  if (!Number.isSafeInteger(n) || n < 0) throw new DataError(`checkpoint: batch number ${JSON.stringify(n)} is not a non-negative integer; refusing to use it in a file name`);
  return `${kind}-${n}.json`;
}

/** Numbers n of the files `<kind>-<n>.json` in dir (ascending); none when dir does not exist. */
export function numberedFiles(dir: string, kind: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const pattern = new RegExp(`^${kind}-(\\d+)\\.json$`);
  const out: number[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/** Reads and verifies one checkpoint file without holding its role's lock (files are replaced atomically). */
export function readCheckpointFile(dir: string, role: string, kind: string, n?: number): unknown {
  const path = join(dir, checkpointFileName(kind, n));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DataError(`cannot read checkpoint file ${path}: ${(err as Error).message}`);
  }
  try {
    return decodeEnvelope(text, role, kind);
  } catch (err) {
    throw new DataError(`${path}: ${(err as Error).message}; refusing to start from it (remove the checkpoint directory to start over)`);
  }
}
