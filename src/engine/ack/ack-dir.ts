import { existsSync, fstatSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { acquireLock, lockHolderAlive } from '../checkpoint/lock.js';

/**
 * The acknowledgement directory: how a pipe's terminal sink tells a source
 * that commits positions upstream (Kafka offsets) which batches it has made
 * durable, without --checkpoint. The source creates it (private, under the
 * temp directory), names it in its `start` record (`ack`), and removes it at
 * exit. The first sluice sink that sees it claims it by opening the role
 * `sink` in it (DIR/sink/LOCK), then writes one commit entry per finished
 * batch (DIR/sink/commit-N.json, the commit-log format --checkpoint uses), so
 * the source follows it with the same CommitWatch.
 */
export const ACK_ROLE = 'sink';
const PREFIX = 'sluice-ack-';
/** What mkdtemp makes of PREFIX: six letters or digits. */
const NAME = /^sluice-ack-[A-Za-z0-9]{6}$/;

/**
 * True when this process's stdout is a pipe or a socket, which another stage
 * may read. Written to a file (`> out.ndjson`), /dev/null or a terminal, the
 * output itself is the end of the pipeline: nothing downstream acknowledges.
 */
export function stdoutMayReachAStage(): boolean {
  try {
    const st = fstatSync(1);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

/**
 * A fresh directory (mode 0700), locked for this process (DIR/LOCK names its
 * pid), after removing those of sources that were killed (their LOCK names a
 * process that is gone), which could not remove their own.
 */
export function createAckDir(): string {
  removeDeadAckDirs(tmpdir());
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  acquireLock(dir, `acknowledgement directory ${dir}`);
  return dir;
}

/** Removes this user's acknowledgement directories under `parent` whose source has died. */
export function removeDeadAckDirs(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => NAME.test(n));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(parent, name);
    // Without a LOCK a source may be between creating and locking it: left alone.
    if (unsafeAckDir(dir) || !existsSync(join(dir, 'LOCK')) || lockHolderAlive(dir)) continue;
    try {
      removeAckDir(dir);
    } catch {
      /* another source removed it first */
    }
  }
}

export function removeAckDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** True once a sink has claimed the directory. */
export function ackClaimed(dir: string): boolean {
  return existsSync(join(dir, ACK_ROLE, 'LOCK'));
}

/** Why `value` is not an acknowledgement directory's name (the check of the `start` field), or undefined. */
export function badAckPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 4096 || value.includes('\0')) return 'a path';
  if (!isAbsolute(value) || !NAME.test(basename(value))) return `an absolute path to a ${PREFIX}XXXXXX directory`;
  return undefined;
}

/**
 * Why the sink must not write into `dir`, or undefined: it has to be a real
 * directory (not a symbolic link) of this user that nobody else can enter,
 * as the source made it, so a stream cannot steer a sink's writes elsewhere.
 */
export function unsafeAckDir(dir: string): string | undefined {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'missing (a source on another machine or in another container?)' : `unreadable (${code ?? (err as Error).message})`;
  }
  if (!st.isDirectory()) return 'not a directory';
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return 'owned by another user';
  if ((st.mode & 0o077) !== 0) return 'open to other users';
  return undefined;
}
