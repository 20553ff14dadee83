import type { Clock } from '../../engine/clock.js';
import { CommitWatch } from '../../engine/checkpoint/commit-watch.js';
import type { Commit } from '../../engine/checkpoint/commit-log.js';
import type { Positions } from '../../engine/control.js';
import type { Assignment } from './assignment.js';
import type { OffsetCommitter } from './offset-committer.js';
import { kafkaOffsets, positionKey } from './client.js';

const POLL_MS = 250;
const STOP_COMMIT_ATTEMPTS = 4;
const STOP_COMMIT_RETRY_MS = 1_000;
const STOP_COMMIT_IDLE_MS = 10_000;

/**
 * With --checkpoint: commits to the consumer group exactly the positions of
 * batches the sink has committed to the checkpoint's commit log (the same
 * protocol that makes file positions durable). A batch's positions are
 * committed only if no rebalance happened since this member emitted it: after
 * one, a partition may have moved to another member (and back), and an old
 * position would move that member's progress back.
 */
export class DurableOffsets {
  private readonly emittedAt = new Map<number, { generation: number; positions: Positions | undefined }>();
  private lastEmitted: number | undefined;
  /** The positions of the latest batch this member emitted that the sink has made durable. */
  private durablePositions: Positions | undefined;
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

  /** A batch boundary this member emitted, with the positions it carried. */
  emitted(batch: number, positions: Positions | undefined): void {
    this.emittedAt.set(batch, { generation: this.assignment.generation, positions });
    this.lastEmitted = batch;
  }

  /** The positions of the latest emitted batch the sink made durable, whatever rebalances came since. */
  lastDurable(): Positions | undefined {
    return this.durablePositions;
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
    const generation = this.emittedAt.get(commit.batch)?.generation;
    for (const [id, e] of this.emittedAt) {
      if (id > commit.batch) break;
      if (e.positions !== undefined) this.durablePositions = e.positions;
      this.emittedAt.delete(id);
    }
    if (generation === undefined || generation !== this.assignment.generation) return;
    this.committer.durable(commit.positions);
  }
}

/**
 * At a clean stop: the group's offsets reach the sink's last durable positions
 * for every partition this member still owns. A batch's positions are skipped
 * when a rebalance came between emitting and the sink's commit (see
 * committed()), and batches after a rebalance carry no position until new
 * records arrive, so without this an idle stream's group offsets could lag one
 * batch behind what the sink holds. Only positions ahead of the group's own
 * committed offsets are committed: never a step back for another member. A
 * commit refused by a rebalance in progress (a loaded machine can miss a
 * heartbeat) is tried again, checked against the group's offsets each time.
 */
export async function catchUpAtStop(
  durable: Positions | undefined,
  committer: OffsetCommitter,
  assignment: Assignment,
  groupOffsets: () => Promise<Map<number, number>>,
  { attempts = STOP_COMMIT_ATTEMPTS, waitMs = STOP_COMMIT_RETRY_MS, idleMs = STOP_COMMIT_IDLE_MS } = {},
): Promise<void> {
  if (durable === undefined) return;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, waitMs));
    const ahead = kafkaOffsets(durable).filter((o) => assignment.owns(o.topic, o.partition));
    if (ahead.length === 0) return;
    let committed: Map<number, number>;
    try {
      committed = await groupOffsets();
    } catch {
      continue; // The next owner re-reads from the group's offsets: duplicates at worst, never loss.
    }
    const positions: Positions = {};
    for (const o of ahead) if (Number(o.offset) > (committed.get(o.partition) ?? -1)) positions[positionKey(o.topic, o.partition)] = o.offset;
    if (Object.keys(positions).length === 0) return;
    committer.behindGroup(positions);
    await committer.idle(idleMs);
  }
}
