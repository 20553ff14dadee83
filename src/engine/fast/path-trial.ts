/**
 * Whether a fast path's tries still pay on a stream. A line the fast path
 * tries and misses pays for the try and then for the general path, so on a
 * stream where most lines miss the fast path would be slower than the
 * general one. Of every TRIES_JUDGED tries, when more than the share allowed
 * miss, the stream rests: for a while no line is tried (each goes to the
 * general path untried), then trying starts again, each rest twice as long
 * as the one before while the misses go on, the first length again after a
 * run that paid.
 */

/** Tries judged at a time. */
const TRIES_JUDGED = 1024;
/** Tries skipped in the first rest, and at most. */
const FIRST_REST = 16_384;
const LONGEST_REST = 1_048_576;

export class PathTrial {
  private tries = 0;
  private misses = 0;
  private restLeft = 0;
  private rest = FIRST_REST;
  private readonly missesAllowed: number;

  /** `missShare`: the share of the tries judged that may miss before the stream rests. */
  constructor(missShare: number) {
    this.missesAllowed = Math.floor(TRIES_JUDGED * missShare);
  }

  /** Whether this try is skipped (the line goes to the general path untried); counts down the rest. */
  skip(): boolean {
    if (this.restLeft === 0) return false;
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
  }

  /** Skips the next try (its line was tried already). */
  passOverNext(): void {
    this.restLeft++;
  }

  /** Counts tries that matched and that missed. */
  tried(hits: number, misses: number): void {
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
  }
}
