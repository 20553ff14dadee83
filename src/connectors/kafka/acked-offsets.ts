import type { Positions, ControlOf } from '../../engine/control.js';
import type { Clock, TimerHandle } from '../../engine/clock.js';
import { ackClaimed } from '../../engine/ack/ack-dir.js';
import type { Assignment } from './assignment.js';
import { DurableOffsets } from './durable-offsets.js';
import type { OffsetCommitter } from './offset-committer.js';

/** How long the source waits for a sluice sink to claim the acknowledgement directory before it falls back. */
export const CLAIM_WAIT_MS = 30_000;
const CLAIM_POLL_MS = 100;

/**
 * Without --checkpoint, in a pipe: offsets are committed only for batches the
 * sluice sink at the end of the pipe has finished, as it records them in the
 * acknowledgement directory (src/engine/ack/), followed exactly as the
 * checkpoint's commit log is (DurableOffsets). When no sluice sink claims the
 * directory within CLAIM_WAIT_MS (the pipe ends in a foreign tool or a stage
 * that is not a sink), it falls back, with one warning, to committing each
 * batch once it was handed to the next stage, starting with the latest batch
 * handed on while it waited.
 */
export class AckedOffsets {
  private state: 'waiting' | 'claimed' | 'handed-on' = 'waiting';
  private readonly durable: DurableOffsets;
  private waitingBatch: { positions: Positions | undefined; handedOn: Promise<void> | undefined } | undefined;
  private timer: TimerHandle | undefined;
  /** When the fallback comes: CLAIM_WAIT_MS after the first batch was handed on (start went before it), not after connecting, which a loaded machine makes slow. */
  private deadline: number | undefined;

  constructor(
    private readonly dir: string,
    assignment: Assignment,
    committer: OffsetCommitter,
    private readonly clock: Clock,
    private readonly warn: (line: string) => void,
    /** Commits a batch's positions once it was handed on (OffsetCommitter.afterHandedOn). */
    private readonly commitHandedOn: (positions: Positions | undefined, handedOn: Promise<void> | undefined) => void,
  ) {
    this.durable = new DurableOffsets(dir, assignment, committer, clock, warn);
    this.timer = clock.setTimer(CLAIM_POLL_MS, () => this.checkClaim());
  }

  /** A batch boundary this member emitted, and what downstream returned for it. */
  emitted(c: ControlOf<'batch'>, handedOn: Promise<void> | undefined): void {
    if (this.state === 'handed-on') return this.commitHandedOn(c.positions, handedOn);
    this.deadline ??= this.clock.monotonic() + CLAIM_WAIT_MS;
    this.durable.emitted(c.id, c.positions);
    if (this.state === 'waiting') this.waitingBatch = { positions: c.positions, handedOn };
  }

  /** See DurableOffsets.lastDurable. */
  lastDurable(): Positions | undefined {
    return this.state === 'claimed' ? this.durable.lastDurable() : undefined;
  }

  /** At a stop: waits (at most `timeoutMs`) for the sink's acknowledgement of the last batch. */
  async finish(timeoutMs: number): Promise<void> {
    this.deadline ??= this.clock.monotonic() + CLAIM_WAIT_MS;
    while (this.state === 'waiting') {
      this.checkClaim();
      if (this.state === 'waiting') await new Promise<void>((resolve) => this.clock.setTimer(CLAIM_POLL_MS, resolve));
    }
    if (this.state === 'claimed') await this.durable.finish(timeoutMs);
    this.stop();
  }

  stop(): void {
    this.timer?.cancel();
    this.durable.stop();
  }

  private checkClaim(): void {
    if (this.state !== 'waiting') return;
    this.timer?.cancel();
    if (ackClaimed(this.dir)) {
      this.state = 'claimed';
      this.waitingBatch = undefined;
    } else if (this.deadline !== undefined && this.clock.monotonic() >= this.deadline) {
      this.fallBack();
    } else {
      this.timer = this.clock.setTimer(CLAIM_POLL_MS, () => this.checkClaim());
    }
  }

  private fallBack(): void {
    this.state = 'handed-on';
    this.durable.stop();
    this.warn(
      `no sluice sink at the end of the pipe acknowledged batches within ${CLAIM_WAIT_MS / 1000} s, so offsets are committed once a batch is handed to the next stage; a kill -9 of the whole pipeline loses what its pipes held (end the pipe in sluice sink, or use --checkpoint)`,
    );
    if (this.waitingBatch) this.commitHandedOn(this.waitingBatch.positions, this.waitingBatch.handedOn);
    this.waitingBatch = undefined;
  }
}
