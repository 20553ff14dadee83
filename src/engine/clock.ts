/**
 * Time as the engine sees it. Wall time (epoch ms) labels batches and windows;
 * monotonic time measures intervals so a wall-clock jump never fires a batch twice.
 * Tests inject VirtualClock and step it.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Milliseconds from an arbitrary origin; never goes backwards. */
  monotonic(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export interface TimerHandle {
  cancel(): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock that only moves when a test calls advance(). */
export class VirtualClock implements Clock {
  private wall: number;
  private mono = 0;
  private timers: { at: number; fn: () => void; seq: number }[] = [];
  private seq = 0;

  constructor(startEpochMs = 0) {
    this.wall = startEpochMs;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer = { at: this.mono + Math.max(0, ms), fn, seq: this.seq++ };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t !== timer)) };
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.mono + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      // A timer overdue after stall() fires late, at the present.
      if (due.at > this.mono) {
        this.wall += due.at - this.mono;
        this.mono = due.at;
      }
      due.fn();
    }
    this.wall += target - this.mono;
    this.mono = target;
  }

  /** Moves time forward without firing timers, as in a process whose CPU was taken away; the next advance() fires the overdue ones, oldest first. */
  stall(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }

  /** Simulates a wall-clock jump (NTP step) without moving monotonic time. */
  jumpWall(ms: number): void {
    this.wall += ms;
  }
}

/** Start of the batch containing t, with boundaries aligned to the Unix epoch. */
export function alignDown(t: number, interval: number): number {
  return Math.floor(t / interval) * interval;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
