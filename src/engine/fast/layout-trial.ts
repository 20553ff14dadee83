import { PathTrial } from './path-trial.js';

/**
 * Whether trying and learning line layouts (line-shapes.ts, block-layouts.ts)
 * still pays on a stream: a PathTrial (a stream on which most lines miss
 * every layout rests: members in another order on each line, more layouts
 * than are kept, lines no layout takes) that also budgets learning. Learning
 * a layout costs a regular expression's compilation (about a millisecond, a
 * thousand lines' worth), so the first few layouts are learned freely, each
 * further one only once the layouts have taken some lines since the last (a
 * stream whose lines each have a layout of their own stops learning).
 * Learning does not start afresh after a rest.
 */

/** Layouts learned freely, lines taken before each further one, and layouts learned in all. */
const FREE_LEARNS = 16;
const HITS_PER_LEARN = 16;
const MAX_LEARNED = 64;
/** A miss costs several hits' gain (the tries, then the general path): more than half missed, the layouts rest. */
const MISS_SHARE = 1 / 2;

export class LayoutTrial extends PathTrial {
  private learned = 0;
  private hitsSinceLearned = 0;

  constructor() {
    super(MISS_SHARE);
  }

  override tried(hits: number, misses: number): void {
    this.hitsSinceLearned += hits;
    super.tried(hits, misses);
  }

  /** Whether a layout may be learned now. */
  get learning(): boolean {
    if (this.resting || this.learned >= MAX_LEARNED) return false;
    return this.learned < FREE_LEARNS || this.hitsSinceLearned >= HITS_PER_LEARN;
  }

  /** Counts a layout learned. */
  learnt(): void {
    this.learned++;
    this.hitsSinceLearned = 0;
  }
}
