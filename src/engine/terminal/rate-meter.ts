/**
 * Rate of a growing counter over roughly the last `spanMs`, from samples taken
 * at display time (no clock read per record).
 */
export class RateMeter {
  private samples: { t: number; count: number }[] = [];

  constructor(private readonly spanMs = 2000) {}

  /** Records the counter's value at monotonic time `t` and returns the rate per second. */
  sample(t: number, count: number): number {
    this.samples.push({ t, count });
    while (this.samples.length > 2 && t - this.samples[1]!.t >= this.spanMs) this.samples.shift();
    const first = this.samples[0]!;
    const dt = t - first.t;
    return dt > 0 ? ((count - first.count) * 1000) / dt : 0;
  }
}
