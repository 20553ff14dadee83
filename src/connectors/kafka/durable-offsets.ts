import type { Clock } from '../../engine/clock.js';
import { CommitWatch } from '../../engine/checkpoint/commit-watch.js';
import type { Commit } from '../../engine/checkpoint/commit-log.js';
import type { Assignment } from './assignment.js';
import type { OffsetCommitter } from './offset-committer.js';

const POLL_MS = 250;

/**
 * With --checkpoint: commits to the consumer group exactly the positions of
 * batches the sink has committed to the checkpoint's commit log (the same
 * protocol that makes file positions durable). A batch's positions are
 * committed only if no rebalance happened since this member emitted it: after
 * one, a partition may have moved to another member (and back), and an old
 * position would move that member's progress back.
 */
export class DurableOffsets {
  private readonly generationOf = new Map<number, number>();
  private lastEmitted: number | undefined;
  private readonly watch: CommitWatch;

  constructor(
    root: string,
    private readonly assignment: Assignment,
    private readonly committer: OffsetCommitter,
    clock: Clock,
    warn: (line: string) => void,
  ) {
    this.watch = new CommitWatch({
      root,
      clock,
      pollMs: POLL_MS,
      onCommit: (c) => this.committed(c),
      onError: (err) => warn(`cannot read the sink's commit log in ${root}: ${err.message}; offsets are not committed meanwhile`),
    });
    this.watch.start();
  }

  /** A batch boundary this member emitted. */
  emitted(batch: number): void {
    this.generationOf.set(batch, this.assignment.generation);
    this.lastEmitted = batch;
  }

  /** Waits (at most `timeoutMs`) until the sink committed the last batch emitted, commits it, and stops watching. */
  async finish(timeoutMs: number): Promise<void> {
    if (this.lastEmitted !== undefined) await this.watch.until(this.lastEmitted, timeoutMs);
    this.watch.stop();
  }

  stop(): void {
    this.watch.stop();
  }

  private committed(commit: Commit): void {
    const generation = this.generationOf.get(commit.batch);
    for (const id of this.generationOf.keys()) if (id <= commit.batch) this.generationOf.delete(id);
    if (generation === undefined || generation !== this.assignment.generation) return;
    this.committer.durable(commit.positions);
  }
}
