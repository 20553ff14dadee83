import { CONTROL_PREFIX } from '../control.js';
import type { TakenLines } from '../framing.js';
import type { PositionTracker } from '../stream.js';
import type { TakesBytes } from './fields-read.js';
import { stringOf } from './byte-text.js';
import { projectFlatObject } from './flat-fields.js';
import { LineShapes } from './line-shapes.js';

/**
 * A filter whose kept lines go straight to the writer (or consecutive
 * filters under `sluice run`, folded into one `keep`), run over the lines of
 * one read at a time in the byte view (LineSink.takeText, byte-text.ts)
 * instead of line by line through the stage runner: each line's wanted fields
 * are matched in place by its learned layout (no line string is cut out), the
 * expression gets the record of those fields, exactly as the general path
 * would build it (strings decoded when the read is not ASCII), and runs of
 * consecutive kept lines go to the writer in one piece, copied from the
 * read's bytes at their offsets in the view (a read whose lines are all kept
 * goes out in one copy).
 *
 * A line it cannot answer for exactly is left, with every line after it in
 * the read, to the general path: a line that does not start with `{`, ends
 * with CR, is blank, may be oversize, is shaped like a control record, or is
 * neither of a learned layout nor read by the field scanner (which then
 * learns its layout), or whose expression throws: the general path evaluates
 * it again and reports it, after the framer has framed the whole read, as
 * it does for every line (the count of lines with invalid UTF-8 included).
 */
export class FilterLines {
  private readonly shapes: LineShapes;

  constructor(
    private readonly fields: readonly string[],
    private readonly maxDepth: number,
    private readonly keep: (r: unknown) => unknown,
    private readonly out: TakesBytes,
    private readonly position: PositionTracker,
    /** Told after each read, when keep counts what it does (the fold of consecutive filters under `sluice run`). */
    private readonly counts?: { counted(): void },
  ) {
    this.shapes = new LineShapes(fields, maxDepth, true, true);
  }

  /** Whether the fields allow this path at all (the projector's own limits: see FlatProjector). */
  static usable(fields: readonly string[]): boolean {
    return fields.length <= 30 && !fields.includes('__proto__');
  }

  take(text: string, bytes: Buffer, bytesFrom: number, decode: boolean, maxLineBytes: number): TakenLines {
    const shapes = this.shapes;
    const position = this.position;
    const lineBase = position.line;
    const recordBase = position.record;
    shapes.offeredFrom(lineBase);
    // A longer line is oversize (a line ending with CR is never taken): the general path says so.
    const longest = maxLineBytes;
    const end = text.length;
    let p = 0;
    let lines = 0;
    let runFrom = 0;
    let runTo = 0;
    let runLines = 0;
    for (;;) {
      if (text.charCodeAt(p) !== 123 /* { */ || (text.charCodeAt(p + 2) === 95 /* _ */ && text.startsWith(CONTROL_PREFIX, p))) break;
      // A matched line ends at its LF: no search for it.
      let record: unknown = shapes.recordAt(text, p, decode);
      let lineEnd: number;
      if (record !== undefined) {
        lineEnd = shapes.end;
        if (lineEnd - p > longest) break;
      } else {
        // Resting: the rest of the read takes the general path (a probe that may learn goes on).
        if (shapes.resting && !shapes.learning) break;
        lineEnd = text.indexOf('\n', p);
        if (lineEnd < 0) lineEnd = end;
        if (lineEnd - p > longest || text.charCodeAt(lineEnd - 1) === 13 /* CR */) break;
        const line = text.slice(p, lineEnd);
        record = projectFlatObject(decode ? stringOf(line) : line, this.fields, this.maxDepth);
        if (record === undefined) {
          shapes.learnParsed(line);
          break;
        }
        shapes.learn(line);
      }
      let kept: unknown;
      try {
        kept = this.keep(record);
      } catch {
        break;
      }
      if (kept) {
        if (runLines === 0) runFrom = p;
        runTo = lineEnd;
        runLines++;
      } else if (runLines > 0) {
        this.write(bytes, bytesFrom, runFrom, runTo, runLines);
        runLines = 0;
      }
      lines++;
      p = lineEnd + 1;
      if (lineEnd === end) break;
    }
    if (runLines > 0) this.write(bytes, bytesFrom, runFrom, runTo, runLines);
    // The line it stopped at was tried, or judged not to be tried.
    shapes.offeredTo(lineBase + lines + (p < end ? 1 : 0));
    this.counts?.counted();
    // Where the general path would leave the position after the last line taken.
    if (lines > 0) this.at(lineBase + lines, recordBase, lines, text.slice(text.lastIndexOf('\n', p - 2) + 1, p - 1), decode);
    return { to: p, lines };
  }

  private at(line: number, recordBase: number | undefined, records: number, raw: string, decode: boolean): void {
    this.position.line = line;
    if (recordBase !== undefined) this.position.record = recordBase + records;
    this.position.raw = decode ? stringOf(raw) : raw;
  }

  /** Lines text[from, to) (LF-separated), each with its LF, copied from the read's bytes (offsets in the view are byte offsets). */
  private write(bytes: Buffer, bytesFrom: number, from: number, to: number, lines: number): void {
    const out = this.out;
    const length = to - from;
    const room = out.byteRoom(length + 1);
    const at = out.bytesUsed;
    bytes.copy(room, at, bytesFrom + from, bytesFrom + to);
    room[at + length] = 10;
    out.addedBytes(length + 1, lines);
  }
}
