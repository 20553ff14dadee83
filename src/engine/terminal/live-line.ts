import type { LiveArea } from './live-area.js';

export type { TerminalOut } from './live-area.js';

/**
 * One line of the terminal's live area (live-area.ts): a progress bar or a
 * stage's status, rendered from a timer (at most 1000/intervalMs times a
 * second, never per record) and removed at the end. Diagnostics written
 * through warn() appear above the area instead of through it.
 */
export class LiveLine {
  constructor(
    private readonly area: LiveArea,
    private readonly render: () => string,
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.area.add(this, this.render, this.intervalMs);
  }

  /** Draws now instead of at the next tick. */
  draw(): void {
    this.area.tick();
  }

  readonly warn = (line: string): void => this.area.warn(line);

  /** Removes the line; the area is left as it was before the line came. */
  stop(): void {
    this.area.remove(this);
  }
}
