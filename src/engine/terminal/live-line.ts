import type { Clock, TimerHandle } from '../clock.js';
import { fitWidth } from './format.js';

/** Where a live line is drawn: a terminal's stderr, given as a raw writer and its width. */
export interface TerminalOut {
  write(text: string): void;
  columns: number;
}

const CLEAR_LINE = '\r\x1b[K';

/**
 * One line at the bottom of a terminal, redrawn in place on a timer (at most
 * 1000/intervalMs times a second, never per record) and erased at the end.
 * Diagnostics written through warn() appear above it instead of through it.
 */
export class LiveLine {
  private timer: TimerHandle | undefined;
  private shown = false;
  private stopped = false;

  constructor(
    private readonly out: TerminalOut,
    private readonly clock: Clock,
    private readonly render: () => string,
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.draw();
      this.timer = this.clock.setTimer(this.intervalMs, tick);
    };
    this.timer = this.clock.setTimer(this.intervalMs, tick);
  }

  draw(): void {
    if (this.stopped) return;
    // The last column stays empty: writing into it makes some terminals wrap.
    this.out.write(CLEAR_LINE + fitWidth(this.render(), Math.max(10, this.out.columns - 1)));
    this.shown = true;
  }

  /** Writes a diagnostic line; the live line is redrawn below it at the next tick. */
  readonly warn = (line: string): void => {
    this.erase();
    this.out.write(line + '\n');
  };

  /** Stops redrawing and leaves the terminal as it was. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.erase();
  }

  private erase(): void {
    if (!this.shown) return;
    this.out.write(CLEAR_LINE);
    this.shown = false;
  }
}
