import { isUtf8 } from 'node:buffer';

export interface LineSink {
  /** A complete line without its terminator (CR stripped). lineNo counts from 1. */
  line(text: string, lineNo: number): void;
  /** A line longer than the limit; its bytes were discarded without being held in memory. */
  oversize(lineNo: number, bytes: number): void;
  /** A line that is not valid UTF-8 (only reported when strict). */
  invalidUtf8(lineNo: number): void;
}

export interface FramerOptions {
  maxLineBytes: number;
  /** Reject invalid UTF-8 instead of replacing it with U+FFFD. */
  strictUtf8?: boolean;
}

const LF = 10;

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
  private lineNo = 0;
  private atStart = true;
  replacedUtf8Lines = 0;

  constructor(
    private readonly sink: LineSink,
    private readonly options: FramerOptions,
  ) {}

  get linesSeen(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    if (this.atStart && chunk.length > 0) {
      this.atStart = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf === -1) {
      this.holdTail(chunk);
      return;
    }
    let start = 0;
    if (this.tailBytes > 0 || this.skippingOversize) {
      const firstLf = chunk.indexOf(LF);
      this.finishTail(chunk.subarray(0, firstLf));
      start = firstLf + 1;
    }
    if (start <= lastLf) this.emitBlock(chunk, start, lastLf);
    if (lastLf + 1 < chunk.length) this.holdTail(chunk.subarray(lastLf + 1));
  }

  /** End of input: a final line without newline is accepted. */
  end(): void {
    if (this.tailBytes > 0 || this.skippingOversize) this.finishTail(Buffer.alloc(0));
  }

  private holdTail(bytes: Buffer): void {
    if (this.skippingOversize) {
      this.skippedBytes += bytes.length;
      return;
    }
    if (this.tailBytes + bytes.length > this.options.maxLineBytes) {
      this.skippingOversize = true;
      this.skippedBytes = this.tailBytes + bytes.length;
      this.tail = [];
      this.tailBytes = 0;
      return;
    }
    this.tail.push(Buffer.from(bytes));
    this.tailBytes += bytes.length;
  }

  private finishTail(rest: Buffer): void {
    if (this.skippingOversize) {
      this.lineNo++;
      this.skippingOversize = false;
      this.sink.oversize(this.lineNo, this.skippedBytes + rest.length);
      this.skippedBytes = 0;
      return;
    }
    const whole = Buffer.concat([...this.tail, rest]);
    this.tail = [];
    this.tailBytes = 0;
    if (whole.length > this.options.maxLineBytes) {
      this.lineNo++;
      this.sink.oversize(this.lineNo, whole.length);
      return;
    }
    this.emitBlock(whole, 0, whole.length);
  }

  /** Emits the lines in bytes[start, end) where end is a LF position or the end of a final line. */
  private emitBlock(bytes: Buffer, start: number, end: number): void {
    const block = bytes.subarray(start, end);
    if (this.options.strictUtf8 && !isUtf8(block)) {
      this.emitStrict(block);
      return;
    }
    const text = block.toString('utf8');
    if (text.includes('\ufffd') && !this.options.strictUtf8) this.countReplacements(text);
    const max = this.options.maxLineBytes;
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      const stop = nl === -1 ? text.length : nl;
      let line = text.slice(from, stop);
      this.lineNo++;
      if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      if (line.length > max / 3 && Buffer.byteLength(line) > max) this.sink.oversize(this.lineNo, Buffer.byteLength(line));
      else this.sink.line(line, this.lineNo);
      if (nl === -1) break;
      from = nl + 1;
    }
  }

  private emitStrict(block: Buffer): void {
    let from = 0;
    while (from <= block.length) {
      let nl = block.indexOf(LF, from);
      if (nl === -1) nl = block.length;
      const bytes = block.subarray(from, nl);
      this.lineNo++;
      if (!isUtf8(bytes)) this.sink.invalidUtf8(this.lineNo);
      else {
        let line = bytes.toString('utf8');
        if (line.endsWith('\r')) line = line.slice(0, -1);
        this.sink.line(line, this.lineNo);
      }
      from = nl + 1;
      if (nl === block.length) break;
    }
  }

  private countReplacements(text: string): void {
    let count = 0;
    for (const line of text.split('\n')) if (line.includes('\ufffd')) count++;
    this.replacedUtf8Lines += count;
  }
}
