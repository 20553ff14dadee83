/**
 * Event-time watermark: max event time seen - allowed delay. It only moves
 * forward, and it moves per record, in input order, so whether a record is late
 * depends on the records before it and never on how the input was chunked or
 * how fast it arrived. Downstream hears of it at batch boundaries (takeAdvance).
 */
export class WatermarkTracker {
  private maxEventTime = -Infinity;
  private emitted = -Infinity;

  constructor(readonly delay: number) {}

  /** Current watermark, -Infinity before the first event. */
  get current(): number {
    return this.maxEventTime - this.delay;
  }

  observe(t: number): void {
    if (t > this.maxEventTime) this.maxEventTime = t;
  }

  /** Moves the watermark to at least `w` (end of input declares everything up to the last window final). */
  advanceTo(w: number): void {
    this.observe(w + this.delay);
  }

  /** The watermark to announce downstream, when it moved since the last announcement. */
  takeAdvance(): number | undefined {
    const w = this.current;
    if (!(w > this.emitted) || !Number.isFinite(w)) return undefined;
    this.emitted = w;
    return w;
  }

  snapshot(): { maxEventTime: number | null; emitted: number | null } {
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    return { maxEventTime: finite(this.maxEventTime), emitted: finite(this.emitted) };
  }

  restore(s: { maxEventTime: number | null; emitted: number | null }): void {
    this.maxEventTime = s.maxEventTime ?? -Infinity;
    this.emitted = s.emitted ?? -Infinity;
  }
}
