import type { Clock, TimerHandle } from '../clock.js';
import { commitLogDir, latestCommit, latestCommittedBatch, type Commit } from './commit-log.js';
import { lockHolderAlive } from './lock.js';

export interface CommitWatchOptions {
  /** The checkpoint directory whose sink commit log is followed. */
  root: string;
  clock: Clock;
  pollMs: number;
  /** Commits up to this batch are not reported (the one a restarted source resumed after). */
  after?: number;
  /** Each new latest commit, in increasing batch order. */
  onCommit(commit: Commit): void;
  /** A commit log that stays unreadable (reported once). */
  onError(err: Error): void;
}

/** Polls that may fail in a row (a commit pruned between listing and reading) before it is reported. */
const FAILURES_BEFORE_REPORT = 10;

/**
 * Follows the sink's commit log from another process of the pipeline (a
 * source that must tell its upstream what is durable, e.g. Kafka offsets).
 * Reports the latest commit whenever it changes; commits written between two
 * polls are not reported one by one, as positions are cumulative.
 */
export class CommitWatch {
  private last: number | undefined;
  private timer: TimerHandle | undefined;
  private failures = 0;
  private reported = false;
  private stopped = false;

  constructor(private readonly o: CommitWatchOptions) {
    this.last = o.after;
  }

  /** The latest batch reported so far. */
  get latest(): number | undefined {
    return this.last;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.poll();
      this.timer = this.o.clock.setTimer(this.o.pollMs, tick);
    };
    this.timer = this.o.clock.setTimer(this.o.pollMs, tick);
  }

  /** Reads the log now; reports a commit newer than the last one reported. */
  poll(): void {
    try {
      const n = latestCommittedBatch(this.o.root);
      if (n === undefined || (this.last !== undefined && n <= this.last)) return;
      const commit = latestCommit(this.o.root);
      this.failures = 0;
      if (!commit || (this.last !== undefined && commit.batch <= this.last)) return;
      this.last = commit.batch;
      this.o.onCommit(commit);
    } catch (err) {
      if (++this.failures >= FAILURES_BEFORE_REPORT && !this.reported) {
        this.reported = true;
        this.o.onError(err as Error);
      }
    }
  }

  /**
   * Polls until batch `batch` (or a later one) was committed, at most
   * `timeoutMs`, or until the process writing the log has exited (its role's
   * lock is released after its last commit, so nothing more will come).
   */
  async until(batch: number, timeoutMs: number): Promise<void> {
    const deadline = this.o.clock.monotonic() + timeoutMs;
    for (;;) {
      const writerGone = this.writerExited();
      this.poll();
      if ((this.last !== undefined && this.last >= batch) || writerGone || this.o.clock.monotonic() >= deadline) return;
      await new Promise<void>((resolve) => this.o.clock.setTimer(Math.min(this.o.pollMs, 50), resolve));
    }
  }

  private writerExited(): boolean {
    try {
      const dir = commitLogDir(this.o.root);
      return dir !== undefined && !lockHolderAlive(dir);
    } catch {
      return false;
    }
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }
}
