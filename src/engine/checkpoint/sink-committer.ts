import type { Control } from '../control.js';
import type { Downstream, HoldsOutput } from '../stream.js';
import { writeCommit } from './commit-log.js';
import type { CheckpointRole } from './store.js';

/**
 * Commits each batch for a sink kind that cannot cut its output back (stdout,
 * console, exec): once the sink has handled the batch boundary (written,
 * flushed, the command run), the batch is committed. A crash between the two
 * replays that batch: at-least-once, at most one batch repeated.
 */
export class SinkCommitter implements Downstream {
  constructor(
    private readonly sink: Downstream,
    private readonly store: CheckpointRole,
    /** Resolves once everything written so far has left the process (a pipe's queue can hold it after write() returned true). */
    private readonly handedOn: () => Promise<void> | void = () => undefined,
  ) {}

  data(record: unknown, raw: string | undefined): void {
    this.sink.data(record, raw);
  }

  pressure(): Promise<void> | undefined {
    return (this.sink as HoldsOutput).pressure?.();
  }

  async control(c: Control): Promise<void> {
    const pending = this.sink.control(c);
    if (pending) await pending;
    if (c.type !== 'batch') return;
    // Committing what is still queued in this process would lose it at a kill -9.
    await this.handedOn();
    writeCommit(this.store, { batch: c.id, positions: c.positions, committedAt: new Date().toISOString() });
  }
}
