import { PathTrial } from './path-trial.js';

/**
 * Whether trying and learning line layouts (line-shapes.ts, block-layouts.ts)
 * still pays on a stream: a PathTrial (a stream on which most lines miss
 * every layout rests: members in another order on each line, more layouts
 * than are kept, lines no layout takes) that also budgets learning. Learning
 * a layout costs its regular expression's compilation, about 1 ms for each
 * 1,500 characters of pattern (a plain layout of six members is about 5,000,
 * one with a gap in any order several times that, and V8 compiles it
 * twice: first for its interpreter, then to native code), so layouts are
 * learned freely up to a budget of pattern characters, then each further one
 * only once the layouts have taken enough lines since the last to have paid
 * for it, a line for every CHARS_PER_HIT characters of its pattern (a
 * stream whose lines each have a layout of their own stops learning), or
 * once RELEARN_LINES lines have passed since the last: a stream that spent
 * the budget on a phase of ever other layouts can still learn the layout of
 * the steady phase after it (which then takes no lines before it is learned).
 * A rest learns nothing but at its probes, so a probe can end a rest on a
 * layout first met during it.
 */

/** Pattern characters compiled freely, characters of the last layout each line taken since pays for, and layouts learned in all. */
const FREE_PATTERN_CHARS = 32_000;
const CHARS_PER_HIT = 8;
const MAX_LEARNED = 64;
const RELEARN_LINES = 65_536;
/** A miss costs several hits' gain (the tries, then the general path): more than half missed, the layouts rest. */
const MISS_SHARE = 1 / 2;

export class LayoutTrial extends PathTrial {
  private learned = 0;
  private compiledChars = 0;
  private lastChars = 0;
  private hitsSinceLearned = 0;
  private seenAtLearnt = 0;

  /** `freePatternChars`: the characters of pattern compiled freely. */
  constructor(private readonly freePatternChars = FREE_PATTERN_CHARS) {
    super(MISS_SHARE);
  }

  override tried(hits: number, misses: number): void {
    this.hitsSinceLearned += hits;
    super.tried(hits, misses);
  }

  /** Whether a layout may be learned now. */
  get learning(): boolean {
    if ((this.resting && !this.probing) || this.learned >= MAX_LEARNED) return false;
    return this.compiledChars < this.freePatternChars || this.hitsSinceLearned * CHARS_PER_HIT >= this.lastChars || this.seen - this.seenAtLearnt >= RELEARN_LINES;
  }

  /** Counts a layout learned, whose regular expressions have `patternChars` characters. */
  learnt(patternChars: number): void {
    this.learned++;
    this.compiledChars += patternChars;
    this.lastChars = patternChars;
    this.hitsSinceLearned = 0;
    this.seenAtLearnt = this.seen;
  }
}
