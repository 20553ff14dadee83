import { writeCommit } from '../checkpoint/commit-log.js';
import { CheckpointRole } from '../checkpoint/store.js';
import type { Control, ControlOf } from '../control.js';
import { ACK_ROLE, unsafeAckDir } from './ack-dir.js';

/**
 * The sink's side of the acknowledgement directory (ack-dir.ts): claims it
 * when `start` names one, then records each batch once the sink has finished
 * it (written and handed to the OS, the command run, acked by Kafka). It
 * watches the stage from outside the operator chain, so it hides none of the
 * sink's capabilities. A directory already claimed (a second sluice sink
 * behind `tee`) or not private is left alone: the source then follows the
 * claimant, or falls back to committing what it handed on. Once the source
 * has removed the directory (it exited), acknowledging stops quietly.
 */
export class AckClaim {
  private role: CheckpointRole | undefined;

  constructor(
    private readonly warn: (line: string) => void,
    /** Resolves once everything written so far has left the process (stdout's queue). */
    private readonly handedOn: () => Promise<void> | void,
  ) {}

  /** Called after the sink handled control record `c`. */
  after(c: Control): Promise<void> | void {
    if (c.type === 'start') this.claim(c);
    else if (c.type === 'batch' && this.role) return this.acknowledge(c);
  }

  private claim(c: ControlOf<'start'>): void {
    if (c.ack === undefined) return;
    const unsafe = unsafeAckDir(c.ack);
    if (unsafe) {
      this.warn(`acknowledgement directory ${c.ack} is ${unsafe}; not acknowledging batches to the source`);
      return;
    }
    try {
      this.role = CheckpointRole.open(c.ack, ACK_ROLE);
    } catch {
      // Claimed by another sink of the same stream, or gone with its source.
    }
  }

  private async acknowledge(c: ControlOf<'batch'>): Promise<void> {
    // Acknowledging what is still queued in this process would lose it at a kill -9.
    await this.handedOn();
    if (!this.role) return;
    try {
      writeCommit(this.role, { batch: c.id, positions: c.positions, committedAt: new Date().toISOString() });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.close();
    }
  }

  close(): void {
    try {
      this.role?.close();
    } catch {
      /* the source removed the directory */
    }
    this.role = undefined;
  }
}
