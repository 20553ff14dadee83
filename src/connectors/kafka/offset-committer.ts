import type { Writable } from 'node:stream';
import type { Consumer } from 'kafkajs';
import type { Positions } from '../../engine/control.js';
import type { Assignment } from './assignment.js';
import { kafkaOffsets, positionKey } from './client.js';

const DRAIN_POLL_MS = 10;

/** Resolves once everything written to `out` left the process (or it closed). */
async function drained(out: Writable): Promise<void> {
  while (out.writableLength > 0 && !out.destroyed) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
}

/**
 * Commits consumer-group offsets from batch positions, one commit at a time and
 * in batch order. Only partitions the member owns at the moment of the commit
 * are committed: after a rebalance the new owner re-reads what was not
 * committed (at-least-once), and no commit ever covers records that were not
 * processed. A failed commit (a rebalance in progress, a broker hiccup) is
 * harmless: positions are cumulative, so the next batch's commit covers it.
 */
export class OffsetCommitter {
  private queue: Promise<void> = Promise.resolve();
  private readonly committed = new Map<string, string>();
  commits = 0;

  constructor(
    private readonly consumer: Consumer,
    private readonly assignment: Assignment,
    private readonly warn: (line: string) => void,
  ) {}

  /** Without a checkpoint: commit once the batch boundary was handed on and stdout drained into the pipe. */
  afterHandedOn(positions: Positions | undefined, handedOn: Promise<void> | undefined, out: Writable, readerGone: () => boolean): void {
    this.enqueue(async () => {
      await handedOn;
      await drained(out);
      if (!readerGone()) await this.commit(positions);
    });
  }

  /** With a checkpoint: commit the positions of a batch the sink made durable. */
  durable(positions: Positions | undefined): void {
    this.enqueue(() => this.commit(positions));
  }

  /** Commits positions the group's own offsets were found behind, even where this member committed them before. */
  behindGroup(positions: Positions): void {
    this.enqueue(() => this.commit(positions, { again: true }));
  }

  /** Waits for queued commits, at most `timeoutMs`. */
  async idle(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((err: unknown) => this.warn(`offset commit failed: ${(err as Error)?.message ?? String(err)}`));
  }

  private async commit(positions: Positions | undefined, { again = false } = {}): Promise<void> {
    const offsets = kafkaOffsets(positions).filter(
      (o) => this.assignment.owns(o.topic, o.partition) && (again || this.committed.get(positionKey(o.topic, o.partition)) !== o.offset),
    );
    if (offsets.length === 0) return;
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (err) {
      // A rebalance moved on under us: the next owner resumes from the last good commit.
      if (/rebalanc|generation|member/i.test(String((err as Error)?.message))) return;
      throw err;
    }
    for (const o of offsets) this.committed.set(positionKey(o.topic, o.partition), o.offset);
    this.commits++;
  }
}
