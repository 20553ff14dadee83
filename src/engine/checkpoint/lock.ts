import { linkSync, readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { writeDurable } from './atomic-write.js';

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/** True when `pid` runs and looks like a sluice (node) process, which guards against pid reuse. */
function alive(owner: LockOwner): boolean {
  if (!Number.isSafeInteger(owner.pid) || owner.pid <= 0) return false; // kill(-1) would mean every process
  if (owner.host !== hostname()) return true; // cannot tell: assume it is
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it exists but belongs to someone else.
  }
  try {
    const cmdline = readFileSync(`/proc/${owner.pid}/cmdline`, 'utf8');
    // A reused pid now running something else entirely does not hold the lock.
    return cmdline.includes('sluice') || cmdline.includes('node');
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof owner?.pid === 'number' ? owner : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Unreadable or half-written (the owner died while creating it): stale.
    return { pid: -1, host: hostname(), since: '' };
  }
}

/** True while DIR/LOCK names a process that still runs (the stage using DIR has not exited). */
export function lockHolderAlive(dir: string): boolean {
  const owner = readOwner(join(dir, 'LOCK'));
  return owner !== undefined && alive(owner);
}

export interface Lock {
  release(): void;
}

/**
 * Takes DIR/LOCK for this process. The lock file is created complete (written
 * under a private name, then hard-linked into place, which fails if LOCK exists),
 * so it always names its owner. A lock whose owner is gone (kill -9) is taken over.
 */
export function acquireLock(dir: string, what: string): Lock {
  const path = join(dir, 'LOCK');
  const mine = join(dir, `.lock-${process.pid}`);
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeDurable(mine, JSON.stringify(owner) + '\n');
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
      }
      const holder = readOwner(path);
      if (holder && (holder.pid === process.pid || alive(holder))) {
        throw new DataError(`${what} is in use by process ${holder.pid}${holder.host !== owner.host ? ` on ${holder.host}` : ''} since ${holder.since} (lock ${path}); one process per checkpoint stage: give the other one another --checkpoint DIR or --checkpoint-name`);
      }
      try {
        unlinkSync(path); // stale: its owner is gone
      } catch {
        /* someone else removed it first */
      }
    }
  } finally {
    unlinkSync(mine);
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      if (readOwner(path)?.pid === process.pid) unlinkSync(path);
    },
  };
}
