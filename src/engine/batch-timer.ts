import { alignDown, type Clock, type TimerHandle } from './clock.js';

/**
 * Fires at every batch boundary aligned to the Unix epoch (floor(t / interval) *
 * interval), so processes with the same interval agree on boundaries. Boundaries
 * advance by exactly one interval per firing: a wall-clock jump can make batches
 * fire early or late but never repeats or reopens one.
 */
export class BatchTimer {
  private nextEnd: number;
  private handle: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    readonly interval: number,
    private readonly onBoundary: (start: number, end: number) => void,
  ) {
    this.nextEnd = alignDown(clock.now(), interval) + interval;
    this.schedule();
  }

  /** Start of the batch now being filled. */
  get currentStart(): number {
    return this.nextEnd - this.interval;
  }

  get currentEnd(): number {
    return this.nextEnd;
  }

  stop(): void {
    this.stopped = true;
    this.handle?.cancel();
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = Math.min(Math.max(this.nextEnd - this.clock.now(), 0), this.interval);
    this.handle = this.clock.setTimer(delay, () => {
      const end = this.nextEnd;
      this.nextEnd += this.interval;
      this.onBoundary(end - this.interval, end);
      this.schedule();
    });
  }
}
