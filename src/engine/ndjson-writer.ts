import type { Writable } from 'node:stream';
import { encodeControl, looksLikeControl, type Control } from './control.js';
import type { Downstream } from './stream.js';

const FLUSH_AT = 64 * 1024;

export interface WriterOptions {
  /** Drop control records (pure NDJSON for foreign tools). */
  dataOnly?: boolean;
  /** Called once when the reader went away (EPIPE): the stage should stop quietly. */
  onClosed?: () => void;
  /** Called for a record that cannot be serialised (e.g. nested too deeply for JSON.stringify). */
  onUnserialisable?: (err: Error) => void;
  /** Called on a write error other than a closed reader. */
  onError?: (err: Error) => void;
}

/**
 * The end of a stage process: records become NDJSON lines, buffered into large
 * writes (never one write per record). Honours backpressure: pressure() returns a
 * promise while the stream's buffer is full.
 */
export class NdjsonWriter implements Downstream {
  private buffer = '';
  /** Lines built as bytes by a fast path that never decodes its input (see byteRoom()); at most one of buffer and bytes holds anything. */
  private bytes: Buffer | undefined;
  private bytesLength = 0;
  /** Byte buffers whose writes have completed, for reuse: a new one per write would pile up outside the heap. */
  private readonly spareBytes: Buffer[] = [];
  private waiting: Promise<void> | undefined;
  closed = false;
  /** Forwards the raw line of unchanged records: it reads no field (see fast/fields-read.ts). */
  readonly readsFields: readonly string[] = [];
  recordsOut = 0;
  /** Drop control records from here on (set when input carries none). */
  dataOnly: boolean;
  /** The token of the stream being written, from its `start` record. */
  private token: string | undefined;
  /** Data lines that began like a control record and were written with a leading space. */
  escapedLines = 0;

  constructor(
    private readonly out: Writable,
    private readonly options: WriterOptions = {},
  ) {
    this.dataOnly = Boolean(options.dataOnly);
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.markClosed();
      else if (options.onError) options.onError(err);
      else this.markClosed();
    });
  }

  data(record: unknown, raw: string | undefined): void {
    if (this.closed) return;
    if (this.bytesLength > 0) this.flush();
    let line = raw;
    if (line === undefined) {
      try {
        line = JSON.stringify(record === undefined ? null : record);
      } catch (err) {
        this.options.onUnserialisable?.(err as Error);
        return;
      }
    }
    // No data line may pose as control downstream: a leading space is the same JSON to any parser.
    if (looksLikeControl(line)) {
      line = ' ' + line;
      this.escapedLines++;
    }
    this.buffer += line + '\n';
    this.recordsOut++;
    if (this.buffer.length >= FLUSH_AT) this.flush();
  }

  /**
   * `count` finished lines at once, newline-separated, without a final newline.
   * Only for lines that cannot be control-shaped (built as `{"value":...}`, or
   * reduce-by-key's `{"window":...}` rows), so they are not checked.
   */
  lines(text: string, count: number): void {
    if (this.closed) return;
    if (this.bytesLength > 0) this.flush();
    this.buffer += text + '\n';
    this.recordsOut += count;
    if (this.buffer.length >= FLUSH_AT) this.flush();
  }

  /**
   * A buffer with room for `n` more bytes of finished lines, to be written from
   * `bytesUsed` on and then announced with addedBytes(). Text buffered before
   * is written out first, so the order of lines holds.
   */
  byteRoom(n: number): Buffer {
    if (this.buffer.length > 0) this.flush();
    if (this.bytes !== undefined && this.bytesLength + n <= this.bytes.length) return this.bytes;
    if (this.bytesLength > 0) this.flush();
    const size = Math.max(2 * FLUSH_AT, n);
    const spare = this.spareBytes.pop();
    this.bytes = spare !== undefined && spare.length >= size ? spare : Buffer.allocUnsafeSlow(size);
    this.bytesLength = 0;
    return this.bytes;
  }

  get bytesUsed(): number {
    return this.bytesLength;
  }

  /** `length` bytes were written into byteRoom()'s buffer: `records` complete data lines, each with its newline, none control-shaped (the caller checked). */
  addedBytes(length: number, records: number): void {
    this.bytesLength += length;
    this.recordsOut += records;
    if (this.bytesLength >= FLUSH_AT) this.flush();
  }

  control(c: Control): void | Promise<void> {
    if (this.closed) return;
    if (this.bytesLength > 0) this.flush();
    if (c.type === 'start') this.token = c.token;
    if (!this.dataOnly) {
      if (this.token === undefined) throw new Error(`control record ${c.type} written before the stream's start record`);
      this.buffer += encodeControl(c, this.token) + '\n';
    }
    // A batch boundary is when results become visible downstream: write now.
    this.flush();
    return this.pressure();
  }

  /** Writes buffered lines in one call. */
  flush(): void {
    if (this.closed) return;
    if (this.bytesLength > 0) {
      const bytes = this.bytes!;
      const used = bytes.subarray(0, this.bytesLength);
      this.bytes = undefined;
      this.bytesLength = 0;
      // Reused only once the stream is done with it.
      this.send(used, (err) => {
        if (!err && this.spareBytes.length < 2) this.spareBytes.push(bytes);
      });
      return;
    }
    if (this.buffer.length === 0) return;
    const text = this.buffer;
    this.buffer = '';
    this.send(text);
  }

  private send(chunk: string | Buffer, written?: (err?: Error | null) => void): void {
    if (!this.out.write(chunk, written) && !this.waiting) {
      this.waiting = new Promise<void>((resolve) => {
        const done = () => {
          this.out.off('drain', done);
          this.out.off('close', done);
          this.waiting = undefined;
          resolve();
        };
        this.out.on('drain', done);
        this.out.on('close', done);
      });
    }
  }

  /** A promise while the output is full; undefined when input may continue. */
  pressure(): Promise<void> | undefined {
    return this.closed ? undefined : this.waiting;
  }

  /** Flushes and waits until everything was handed to the OS. */
  async finish(): Promise<void> {
    this.flush();
    while (this.waiting) await this.waiting;
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer = '';
    this.bytesLength = 0;
    this.waiting = undefined;
    this.options.onClosed?.();
  }
}
