import type { Positions } from '../control.js';
import { latestCommit } from './commit-log.js';
import { CheckpointRole } from './store.js';

export interface SourceResume {
  store: CheckpointRole;
  /** The last batch the sink committed; the source numbers on from the next one. */
  resumeAfter?: number;
  /** The positions that batch reached. */
  positions?: Positions;
}

/**
 * A source with --checkpoint: takes DIR/<role>/ (so a second copy of the same
 * pipeline is refused) and reads the sink's latest commit. Without one, the
 * source starts from the beginning.
 */
export function openSourceCheckpoint(dir: string, role: string): SourceResume {
  const store = CheckpointRole.open(dir, role);
  try {
    const commit = latestCommit(dir);
    if (!commit) return { store };
    return { store, resumeAfter: commit.batch, positions: commit.positions ?? {} };
  } catch (err) {
    store.close();
    throw err;
  }
}
