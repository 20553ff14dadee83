import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Positions } from '../control.js';
import { DataError } from '../errors.js';
import { numberedFiles, readCheckpointFile, type CheckpointRole } from './store.js';

/**
 * What the sink writes to DIR/<sink role>/commit-<batch>.json once batch's output
 * is durable: the source positions the batch reached, and what the sink needs
 * to cut its output back to exactly this point after a crash.
 */
export interface Commit {
  batch: number;
  positions?: Positions;
  /** Sink-kind specific: file length, part file, ... */
  output?: unknown;
  committedAt: string;
}

export const COMMIT = 'commit';
/** Older commits are pruned; a few are kept for inspection. */
export const KEEP_COMMITS = 5;

export function writeCommit(role: CheckpointRole, commit: Commit): void {
  role.write(COMMIT, commit, commit.batch);
  role.pruneBelow(COMMIT, commit.batch - KEEP_COMMITS + 1);
}

function roleDirs(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The role whose directory holds the commit log (the sink's), checked to be the only one. */
function committingRole(root: string): { role: string; batches: number[] } | undefined {
  const found = roleDirs(root)
    .map((role) => ({ role, batches: numberedFiles(join(root, role), COMMIT) }))
    .filter((r) => r.batches.length > 0);
  if (found.length > 1) {
    throw new DataError(`checkpoint ${root} holds the commit logs of several sinks (${found.map((f) => f.role).join(', ')}); give each pipeline its own --checkpoint DIR`);
  }
  return found[0];
}

/** The directory of the role that writes the commit log (the sink's), once it committed anything. */
export function commitLogDir(root: string): string | undefined {
  const log = committingRole(root);
  return log ? join(root, log.role) : undefined;
}

/** The latest batch the sink committed, from file names only (cheap; for pruning). */
export function latestCommittedBatch(root: string): number | undefined {
  const log = committingRole(root);
  return log ? log.batches[log.batches.length - 1] : undefined;
}

/** The latest commit of the pipeline's sink, verified; undefined before the first commit. */
export function latestCommit(root: string, role?: string): Commit | undefined {
  const log = role === undefined ? committingRole(root) : { role, batches: numberedFiles(join(root, role), COMMIT) };
  if (!log || log.batches.length === 0) return undefined;
  const n = log.batches[log.batches.length - 1]!;
  const dir = join(root, log.role);
  const commit = readCheckpointFile(dir, log.role, COMMIT, n) as Commit;
  if (typeof commit !== 'object' || commit === null || commit.batch !== n) {
    throw new DataError(`${join(dir, `${COMMIT}-${n}.json`)}: commit for batch ${String((commit as Commit | null)?.batch)} under the name of batch ${n}; refusing to start from it`);
  }
  return commit;
}

/** The latest commit in a sink's own role directory, verified. */
export function latestOwnCommit(role: CheckpointRole): Commit | undefined {
  const batches = role.numbers(COMMIT);
  if (batches.length === 0) return undefined;
  return latestCommit(role.root, role.role);
}
