/**
 * Whether a fast path's tries still pay on a stream. A line the fast path
 * tries and misses pays for the try and then for the general path, so on a
 * stream where most lines miss the fast path would be slower than the
 * general one. Of every TRIES_JUDGED tries, when more than the share allowed
 * miss, the stream rests: for a while no line is tried (each goes to the
 * general path untried), then trying starts again, each rest twice as long
 * as the one before while the misses go on, the first length again after a
 * run that paid. A rest can grow long while a stream's lines change (up to
 * LONGEST_REST lines), so it is probed: one line in PROBE_EVERY is tried all
 * the same, and PROBES_TO_END hits in a row end it (the stream has settled on
 * shapes the fast path takes) at the cost of one try per PROBE_EVERY lines.
 */

/** Tries judged at a time. */
const TRIES_JUDGED = 1024;
/** Tries skipped in the first rest, and at most. */
const FIRST_REST = 16_384;
const LONGEST_REST = 1_048_576;
/** Lines untried between two probes of a rest, and the probes that must hit in a row to end it. */
const PROBE_EVERY = 1024;
const PROBES_TO_END = 4;

export class PathTrial {
  private tries = 0;
  private misses = 0;
  private restLeft = 0;
  private rest = FIRST_REST;
  /** Lines passed over since the rest's last probe, and its probes that hit in a row. */
  private untried = 0;
  private probeHits = 0;
  /** The next try is skipped, its line tried already (passOverNext). */
  private passOver = false;
  /** The line now being tried is a probe of a rest. */
  protected probing = false;
  /** Lines met so far: tried, skipped or passed over. */
  protected seen = 0;
  /** The stream's lines before this one were offered, or counted as passed over (offeredFrom). */
  private offeredUpTo = 0;
  private readonly missesAllowed: number;

  /** `missShare`: the share of the tries judged that may miss before the stream rests. */
  constructor(missShare: number) {
    this.missesAllowed = Math.floor(TRIES_JUDGED * missShare);
  }

  /** Whether this try is skipped (the line goes to the general path untried); counts down the rest. */
  skip(): boolean {
    this.seen++;
    this.probing = false;
    if (this.passOver) {
      this.passOver = false;
      return true;
    }
    if (this.restLeft === 0) return false;
    if (this.untried >= PROBE_EVERY) {
      // A probe: this line is tried, and tried() judges it.
      this.untried = 0;
      this.probing = true;
      return false;
    }
    this.untried++;
    this.restLeft--;
    return true;
  }

  /** Whether the stream rests now. */
  get resting(): boolean {
    return this.restLeft > 0;
  }

  /** Counts tries the caller skipped without asking (the lines it gave the general path while resting). */
  passedOver(tries: number): void {
    this.restLeft = Math.max(0, this.restLeft - tries);
    this.untried += tries;
    this.seen += tries;
  }

  /**
   * A whole-read fast path is offered a stream's reads but not all its
   * lines: the rest of a read after a line it left, and every read while a
   * line of the one before waits, go to the general path untried. Given the
   * stream's line an offer starts at, the lines since the last offer count
   * as passed over; offeredTo() says where this offer's tries ended.
   */
  offeredFrom(line: number): void {
    if (line > this.offeredUpTo) this.passedOver(line - this.offeredUpTo);
  }

  offeredTo(line: number): void {
    this.offeredUpTo = line;
  }

  /** Skips the next try (its line was tried already). */
  passOverNext(): void {
    this.passOver = true;
  }

  /** Counts tries that matched and that missed. */
  tried(hits: number, misses: number): void {
    // Tries during a rest are its probes (skip() answered true to every other line).
    if (this.restLeft > 0) {
      this.probeHits = hits > 0 && misses === 0 ? this.probeHits + 1 : 0;
      if (this.probeHits < PROBES_TO_END) return;
      this.restLeft = 0;
      this.rest = FIRST_REST;
      this.tries = 0;
      this.misses = 0;
      this.probeHits = 0;
      return;
    }
    this.tries += hits + misses;
    this.misses += misses;
    if (this.tries < TRIES_JUDGED) return;
    const missedTooMany = this.misses > this.missesAllowed;
    this.tries = 0;
    this.misses = 0;
    if (!missedTooMany) {
      this.rest = FIRST_REST;
      return;
    }
    this.restLeft = this.rest;
    this.rest = Math.min(this.rest * 2, LONGEST_REST);
    this.untried = 0;
    this.probeHits = 0;
  }
}
