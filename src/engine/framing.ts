import { isAscii, isUtf8 } from 'node:buffer';

/** `end` (given with trackOffsets) is the byte offset in the stream just past the line and its terminator. */
export interface LineSink {
  /** A complete line without its terminator (CR stripped). lineNo counts from 1. */
  line(text: string, lineNo: number, end?: number): void;
  /** A line longer than the limit; its bytes were discarded without being held in memory. */
  oversize(lineNo: number, bytes: number, end?: number): void;
  /** A line that is not valid UTF-8 (only reported when strict). */
  invalidUtf8(lineNo: number, end?: number): void;
  /**
   * Optional fast path over undecoded bytes: the sink may consume complete
   * lines from `from` on, before they are decoded. Lines are separated by LF;
   * the last one ends at `end` (its LF is there, or was in an earlier read).
   * A line taken must be at most maxLineBytes long. It returns where it
   * stopped (just past the LF of the last line it took, end + 1 after the
   * last line) and how many lines it took; line() gets the rest as text.
   */
  takeLineBytes?(bytes: Buffer, from: number, end: number, maxLineBytes: number): TakenLines;
  /**
   * Optional fast path over the lines of one read in the byte view
   * (fast/byte-text.ts): `text` is bytes[bytesFrom, ...) one character per
   * byte, complete lines separated by LF, the last one ending at text.length
   * (its LF is in the input too), CR not stripped; character i is byte
   * `bytesFrom + i`, so lengths and offsets are in bytes. The read is valid
   * UTF-8. `decode`: some byte is 0x80 or above, so a string the sink takes
   * out of the text for its value (a key, a field's value) must be decoded
   * with stringOf(); without it the text is the decoded text. The sink may take
   * lines from the start of the text on. It returns where it stopped (just
   * past the LF of the last line it took, text.length + 1 after the last
   * line) and how many lines it took; line() gets the rest.
   */
  takeText?(text: string, bytes: Buffer, bytesFrom: number, decode: boolean, maxLineBytes: number): TakenLines;
  /**
   * The sink reads a control record (a line starting `{"__sluice":`) before it
   * can take the lines after it whole (a stage reading a sluice stream): the
   * framer pauses after handing one over, and resume() goes on with the rest.
   */
  readonly pausesAtControl?: boolean;
}

/** What LineSink.takeLineBytes consumed. */
export interface TakenLines {
  to: number;
  lines: number;
  /** Records emitted for them, when not one per line (a text line that is empty holds none). */
  records?: number;
}

export interface FramerOptions {
  maxLineBytes: number;
  /** Reject invalid UTF-8 instead of replacing it with U+FFFD. */
  strictUtf8?: boolean;
  /** Report each line's end offset (lines are then decoded one by one: a little slower). */
  trackOffsets?: boolean;
  /** Offset in the whole stream of the first byte pushed (a resumed read); a BOM is only looked for at 0. */
  startOffset?: number;
}

/** Names the limit; the bytes of an oversize line were never held in memory. */
export function oversizeMessage(bytes: number | undefined, maxLineBytes: number): string {
  return `line of ${bytes ?? '?'} bytes is longer than --max-line-bytes ${maxLineBytes} (not read into memory)`;
}

const LF = 10;
const CR = 13;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Splits a byte stream into lines. Complete lines are decoded a chunk at a time
 * (a newline byte never occurs inside a multi-byte UTF-8 sequence, so decoding
 * whole lines is safe); only the unfinished tail is carried over as bytes.
 * Accepts CRLF, a BOM at the start and a missing final newline.
 */
export class LineFramer {
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private skippingOversize = false;
  private skippedBytes = 0;
  private skippedEndsWithCr = false;
  private lineNo = 0;
  private atStart: boolean;
  /** Stream offset just past the last line handed to the sink (trackOffsets). */
  private offset: number;
  /** The first bytes while they may still be the start of a BOM split across reads. */
  private startBytes: Buffer = Buffer.alloc(0);
  /** Lines in which invalid UTF-8 was replaced with U+FFFD (not strict). */
  replacedUtf8Lines = 0;

  constructor(
    private readonly sink: LineSink,
    private readonly options: FramerOptions,
  ) {
    this.offset = options.startOffset ?? 0;
    this.atStart = this.offset === 0;
  }

  get linesSeen(): number {
    return this.lineNo;
  }

  /** What is left of the last push after a pause (LineSink.pausesAtControl); returns whether it paused again. */
  private resumeWith: (() => boolean) | undefined;

  /** A push (or resume) stopped after a control record: resume() goes on. */
  get paused(): boolean {
    return this.resumeWith !== undefined;
  }

  resume(): boolean {
    const go = this.resumeWith;
    this.resumeWith = undefined;
    return go ? go() : false;
  }

  /** Runs `rest` once what paused has been resumed to its end. */
  private afterPause(rest: () => boolean): void {
    const inner = this.resumeWith!;
    this.resumeWith = () => {
      if (!inner()) return rest();
      this.afterPause(rest);
      return true;
    };
  }

  /** Bytes of an unfinished line held since the last complete one (what a stop leaves unframed). */
  get heldBytes(): number {
    return this.tailBytes + this.skippedBytes + this.startBytes.length;
  }

  push(chunk: Buffer): void {
    if (this.atStart) {
      if (this.startBytes.length > 0) chunk = Buffer.concat([this.startBytes, chunk]);
      if (chunk.length < BOM.length && BOM.subarray(0, chunk.length).equals(chunk)) {
        this.startBytes = Buffer.from(chunk);
        return;
      }
      this.atStart = false;
      this.startBytes = Buffer.alloc(0);
      if (chunk.subarray(0, BOM.length).equals(BOM)) {
        chunk = chunk.subarray(BOM.length);
        this.offset += BOM.length;
      }
    }
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf === -1) {
      this.holdTail(chunk);
      return;
    }
    let start = 0;
    let paused = false;
    if (this.tailBytes > 0 || this.skippingOversize) {
      const firstLf = chunk.indexOf(LF);
      paused = this.finishTail(chunk.subarray(0, firstLf), true);
      start = firstLf + 1;
    }
    // The unfinished line after the last LF is only held (nothing is emitted), so it can be held before a paused block goes on.
    if (lastLf + 1 < chunk.length) this.holdTail(chunk.subarray(lastLf + 1));
    if (start > lastLf) return;
    if (paused) this.afterPause(() => this.emitBlock(chunk, start, lastLf, true));
    else this.emitBlock(chunk, start, lastLf, true);
  }

  /** End of input: a final line without newline is accepted. */
  end(): void {
    if (this.atStart) {
      // Fewer bytes than a BOM arrived in all: they are data.
      this.atStart = false;
      const start = this.startBytes;
      this.startBytes = Buffer.alloc(0);
      if (start.length > 0) this.push(start);
    }
    if (this.tailBytes > 0 || this.skippingOversize) this.finishTail(Buffer.alloc(0), false);
  }

  private holdTail(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.skippingOversize) {
      this.skippedBytes += bytes.length;
      this.skippedEndsWithCr = bytes[bytes.length - 1] === CR;
      return;
    }
    // One byte of room for the CR of a CRLF that the limit does not count.
    if (this.tailBytes + bytes.length > this.options.maxLineBytes + 1) {
      this.skippingOversize = true;
      this.skippedBytes = this.tailBytes + bytes.length;
      this.skippedEndsWithCr = bytes[bytes.length - 1] === CR;
      this.tail = [];
      this.tailBytes = 0;
      return;
    }
    this.tail.push(Buffer.from(bytes));
    this.tailBytes += bytes.length;
  }

  /** `terminated`: a LF follows `rest` (false at end of input). True when it paused (see emitBlock). */
  private finishTail(rest: Buffer, terminated: boolean): boolean {
    if (this.skippingOversize) {
      this.lineNo++;
      this.skippingOversize = false;
      const endsWithCr = rest.length > 0 ? rest[rest.length - 1] === CR : this.skippedEndsWithCr;
      this.offset += this.skippedBytes + rest.length + (terminated ? 1 : 0);
      this.sink.oversize(this.lineNo, this.skippedBytes + rest.length - (endsWithCr ? 1 : 0), this.offset);
      this.skippedBytes = 0;
      return false;
    }
    const whole = Buffer.concat([...this.tail, rest]);
    this.tail = [];
    this.tailBytes = 0;
    const lineBytes = whole.length - (whole.length > 0 && whole[whole.length - 1] === CR ? 1 : 0);
    if (lineBytes > this.options.maxLineBytes) {
      this.lineNo++;
      this.offset += whole.length + (terminated ? 1 : 0);
      this.sink.oversize(this.lineNo, lineBytes, this.offset);
      return false;
    }
    // Its CR too goes before the whole-read paths (see emitBlock), unless offsets are tracked.
    const crlf = terminated && !this.options.trackOffsets && lineBytes < whole.length;
    return this.emitBlock(whole, 0, crlf ? lineBytes : whole.length, terminated, crlf);
  }

  /**
   * Emits the lines in bytes[start, end) where end is a LF position (terminated)
   * or the end of a final line.
   */
  /**
   * `crStripped`: the lines' CRs of their CRLFs are gone already (a CR left ends a line as data).
   * True when it paused after a control record (LineSink.pausesAtControl); resume() goes on.
   */
  private emitBlock(bytes: Buffer, start: number, end: number, terminated: boolean, crStripped = false): boolean {
    // Windows line ends: the whole-read paths take lines that end with a LF
    // alone, so they get the read without the CR of each CRLF, as line() gets
    // each line (with offsets tracked, the read stays as it came).
    if (terminated && !crStripped && !this.options.trackOffsets && (this.sink.takeLineBytes || this.sink.takeText)) {
      const cr = bytes.indexOf(CR, start);
      if (cr >= 0 && cr < end) {
        const lfOnly = withoutCrlfCr(bytes, start, end + 1);
        if (lfOnly !== undefined) return this.emitBlock(lfOnly, 0, lfOnly.length - 1, true, true);
      }
    }
    // The final line of the input, without a newline, is left to the ordinary path.
    if (this.sink.takeLineBytes && terminated) {
      for (;;) {
        const taken = this.sink.takeLineBytes(bytes, start, end, this.options.maxLineBytes);
        if (taken.lines > 0) {
          this.lineNo += taken.lines;
          if (this.options.trackOffsets) this.offset += taken.to - start;
          start = taken.to;
          if (start > end) return false;
        }
        // A whole-read path stops at a control record, which the protocol reads as a line:
        // it goes alone, and the rest of the read is offered again (not left line by line).
        if (!startsWithControlPrefix(bytes, start)) break;
        // The record may be the block's last line (a line held over from the read before ends at `end`).
        const lf = bytes.indexOf(LF, start);
        const lineEnd = lf < 0 || lf > end ? end : lf;
        this.emitLines(bytes, start, lineEnd, true, crStripped);
        start = lineEnd + 1;
        if (this.sink.pausesAtControl) {
          const from = start;
          this.resumeWith = from > end ? () => false : () => this.emitBlock(bytes, from, end, true, crStripped);
          return true;
        }
        if (start > end) return false;
      }
    }
    this.emitLines(bytes, start, end, terminated, crStripped);
    return false;
  }

  /** The lines of bytes[start, end) on the ordinary paths (takeText, then line by line). */
  private emitLines(bytes: Buffer, start: number, end: number, terminated: boolean, crStripped: boolean): void {
    const block = bytes.subarray(start, end);
    const ascii = isAscii(block);
    if (!ascii && !isUtf8(block)) {
      // Rare: line by line on the bytes, so limits count input bytes, not
      // replacement characters, and each line's end offset stays exact.
      this.emitPerLine(block, terminated, crStripped);
      return;
    }
    const max = this.options.maxLineBytes;
    const track = this.options.trackOffsets;
    let from = 0;
    // ASCII (the common case) is its own byte view: a copy, not a decode.
    let text: string | undefined;
    if (this.sink.takeText && terminated && !track) {
      const view = block.toString('latin1');
      const taken = this.sink.takeText(view, bytes, start, !ascii, max);
      if (taken.lines > 0) {
        this.lineNo += taken.lines;
        if (taken.to > view.length) return;
        from = taken.to;
      }
      if (ascii) text = view;
      else {
        // The lines left are decoded (`from` is a byte offset, at a line's start).
        text = bytes.toString('utf8', start + from, end);
        from = 0;
      }
    }
    text ??= block.toString(ascii ? 'latin1' : 'utf8');
    for (;;) {
      const nl = text.indexOf('\n', from);
      const stop = nl === -1 ? text.length : nl;
      let line = text.slice(from, stop);
      this.lineNo++;
      let end: number | undefined;
      if (track) {
        this.offset += (ascii ? line.length : Buffer.byteLength(line)) + (nl !== -1 || terminated ? 1 : 0);
        end = this.offset;
      }
      if (!crStripped && line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      if (line.length > max / 3 && Buffer.byteLength(line) > max) this.sink.oversize(this.lineNo, Buffer.byteLength(line), end);
      else this.sink.line(line, this.lineNo, end);
      if (nl === -1) break;
      from = nl + 1;
    }
  }

  private emitPerLine(block: Buffer, terminated: boolean, crStripped: boolean): void {
    let from = 0;
    for (;;) {
      let nl = block.indexOf(LF, from);
      if (nl === -1) nl = block.length;
      let bytes = block.subarray(from, nl);
      this.offset += bytes.length + (nl < block.length || terminated ? 1 : 0);
      const end = this.options.trackOffsets ? this.offset : undefined;
      if (!crStripped && bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
      this.lineNo++;
      if (bytes.length > this.options.maxLineBytes) this.sink.oversize(this.lineNo, bytes.length, end);
      else if (isUtf8(bytes)) this.sink.line(bytes.toString('utf8'), this.lineNo, end);
      else if (this.options.strictUtf8) this.sink.invalidUtf8(this.lineNo, end);
      else {
        this.replacedUtf8Lines++;
        this.sink.line(bytes.toString('utf8'), this.lineNo, end);
      }
      if (nl === block.length) break;
      from = nl + 1;
    }
  }
}

/** The bytes every control record starts with (docs/ARCHITECTURE.md, "Control records"). */
const CONTROL_PREFIX = Buffer.from('{"__sluice":');

function startsWithControlPrefix(bytes: Buffer, at: number): boolean {
  return at + CONTROL_PREFIX.length <= bytes.length && bytes.compare(CONTROL_PREFIX, 0, CONTROL_PREFIX.length, at, at + CONTROL_PREFIX.length) === 0;
}

/** bytes[from, to) without the CR of each CRLF in it; undefined when it has none (only lone CRs). */
function withoutCrlfCr(bytes: Buffer, from: number, to: number): Buffer | undefined {
  const out = Buffer.allocUnsafe(to - from);
  let at = 0;
  let copied = from;
  for (let lf = bytes.indexOf(LF, from); lf >= 0 && lf < to; lf = bytes.indexOf(LF, lf + 1)) {
    if (lf === from || bytes[lf - 1] !== CR) continue;
    at += bytes.copy(out, at, copied, lf - 1);
    copied = lf;
  }
  if (copied === from) return undefined;
  at += bytes.copy(out, at, copied, to);
  return out.subarray(0, at);
}
