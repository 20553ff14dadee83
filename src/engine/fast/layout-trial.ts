/**
 * Whether trying and learning line layouts (line-shapes.ts, block-layouts.ts)
 * still pays on a stream. A line that misses every layout pays for the tries
 * and then for the general path, and learning a layout costs a regular
 * expression's compilation (about a millisecond, a thousand lines' worth).
 * So:
 * - the first few layouts are learned freely; each further one only once
 *   the layouts have taken some lines since the last (a stream whose lines
 *   each have a layout of their own stops learning);
 * - a stream on which most tries miss (members in another order on each
 *   line, more layouts than are kept, lines no layout takes) rests: for a
 *   while no line is tried and none learned from, then the layouts kept are
 *   tried again, each rest twice as long as the one before while the misses
 *   go on.
 */

/** Layouts learned freely, lines taken before each further one, and layouts learned in all. */
const FREE_LEARNS = 16;
const HITS_PER_LEARN = 16;
const MAX_LEARNED = 64;
/** Tries judged at a time, and how many of them may miss. */
const TRIES_JUDGED = 1024;
const MISSES_ALLOWED = TRIES_JUDGED / 2;
/** Tries skipped in the first rest, and at most. */
const FIRST_REST = 16_384;
const LONGEST_REST = 1_048_576;

export class LayoutTrial {
  private tries = 0;
  private misses = 0;
  private restLeft = 0;
  private rest = FIRST_REST;
  private learned = 0;
  private hitsSinceLearned = 0;

  /** Whether this try is skipped (the line goes to the general path untried); counts down the rest. */
  skip(): boolean {
    if (this.restLeft === 0) return false;
    this.restLeft--;
    return true;
  }

  /** Counts tries that matched and that missed. */
  tried(hits: number, misses: number): void {
    this.hitsSinceLearned += hits;
    this.tries += hits + misses;
    this.misses += misses;
    if (this.tries < TRIES_JUDGED) return;
    const missedMostly = this.misses > MISSES_ALLOWED;
    this.tries = 0;
    this.misses = 0;
    if (!missedMostly) {
      this.rest = FIRST_REST;
      return;
    }
    this.restLeft = this.rest;
    this.rest = Math.min(this.rest * 2, LONGEST_REST);
  }

  /** Whether a layout may be learned now. */
  get learning(): boolean {
    if (this.restLeft > 0 || this.learned >= MAX_LEARNED) return false;
    return this.learned < FREE_LEARNS || this.hitsSinceLearned >= HITS_PER_LEARN;
  }

  /** Counts a layout learned. */
  learnt(): void {
    this.learned++;
    this.hitsSinceLearned = 0;
  }
}
