import { Writable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import type { Control } from '../control.js';
import { ErrorPolicy, type OnError } from '../error-policy.js';
import { DataError } from '../errors.js';
import type { ReadsFields, TakesLines } from '../fast/fields-read.js';
import type { NdjsonWriter } from '../ndjson-writer.js';
import type { Downstream, PositionTracker } from '../stream.js';
import { CHUNK_BYTES, MAX_CHUNKS_IN_FLIGHT, type FromSourceThread, type SpareBuffers } from './protocol.js';
import type { ChannelTable } from './table.js';

/**
 * The end of the source thread's stages: every line goes to the stage's own
 * writer (the sluice stream a pipe would carry), and its position into the
 * table. It reads no field and takes each line a stage passes on as a line,
 * as the next stage's line reader would under one thread, so a window
 * stage hands it the lines of a whole read one by one (it offers no byte
 * buffer: lines written in runs would not say which input line made them).
 */
export class ChannelOutput implements Downstream, ReadsFields, TakesLines {
  readonly readsFields: readonly string[] = [];

  constructor(
    private readonly writer: NdjsonWriter,
    private readonly table: ChannelTable,
    private readonly position: PositionTracker,
  ) {}

  takeLine(line: string): boolean {
    this.table.mark(this.position);
    this.writer.data(undefined, line);
    return true;
  }

  data(record: unknown, raw: string | undefined): void {
    this.table.mark(this.position);
    this.writer.data(record, raw);
  }

  control(c: Control): void | Promise<void> {
    this.table.mark(this.position);
    return this.writer.control(c);
  }
}

/**
 * The source thread's stdout: the writer's chunks are encoded at once into a
 * buffer of about CHUNK_BYTES, sent to the main thread when full with the
 * table of its lines (every line marked so far is in a chunk written by
 * then: the writer writes after it marked), transferred, not copied, and
 * filled again once the main thread sends it back. At most
 * MAX_CHUNKS_IN_FLIGHT are out before the writer waits for the main thread
 * to take one. Ending it sends the last one.
 */
export class ChannelWritable extends Writable {
  private inFlight = 0;
  private waiting: (() => void) | undefined;
  private out: Buffer | undefined;
  private used = 0;
  private readonly spareBytes: ArrayBuffer[] = [];

  constructor(
    private readonly port: MessagePort,
    private readonly table: ChannelTable,
  ) {
    super({ decodeStrings: false, highWaterMark: CHUNK_BYTES });
  }

  override _write(chunk: string | Buffer, _encoding: string, done: (err?: Error | null) => void): void {
    // The writer writes strings here: it never fills byte buffers for this output (see ChannelOutput).
    const length = typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.length;
    let out = this.out;
    if (out === undefined || this.used + length > out.length) {
      this.send();
      out = this.out = this.buffer(length);
    }
    this.used += typeof chunk === 'string' ? out.write(chunk, this.used, 'utf8') : chunk.copy(out, this.used);
    if (this.used < CHUNK_BYTES) {
      done();
      return;
    }
    this.send();
    if (this.inFlight < MAX_CHUNKS_IN_FLIGHT) done();
    else this.waiting = done;
  }

  override _final(done: (err?: Error | null) => void): void {
    this.send();
    done();
  }

  private buffer(atLeast: number): Buffer {
    const spare = this.spareBytes.pop();
    if (spare !== undefined && spare.byteLength >= atLeast) return Buffer.from(spare);
    return Buffer.allocUnsafeSlow(Math.max(atLeast, CHUNK_BYTES + (CHUNK_BYTES >> 2)));
  }

  private send(): void {
    const out = this.out;
    if (out === undefined || this.used === 0) return;
    const m: FromSourceThread = { t: 'chunk', ...this.table.take(), bytes: out.subarray(0, this.used) };
    this.port.postMessage(m, [out.buffer as ArrayBuffer, m.raws.buffer as ArrayBuffer, m.entries.buffer as ArrayBuffer]);
    this.out = undefined;
    this.used = 0;
    this.inFlight++;
  }

  /** The main thread took a chunk, and is done with these buffers. */
  taken(spare: SpareBuffers): void {
    for (const b of spare.bytes) this.spareBytes.push(b);
    this.table.recycle(spare.entries, spare.raws);
    this.inFlight--;
    const waiting = this.waiting;
    if (waiting && this.inFlight < MAX_CHUNKS_IN_FLIGHT) {
      this.waiting = undefined;
      waiting();
    }
  }
}

/**
 * A bad-record policy of the source thread: reports go to the main thread,
 * which applies the stage's real policy at the same point of the stream
 * (counts, warnings, dead letters, the summary, and the stop under fail),
 * so the two threads' reports come out as one thread's would.
 */
export class ForwardedErrors extends ErrorPolicy {
  constructor(
    command: string,
    policy: OnError,
    position: PositionTracker,
    warn: (line: string) => void,
    private readonly table: ChannelTable,
    private readonly id: number,
  ) {
    super(command, policy, position, warn);
  }

  override badAt(where: string, raw: string, message: string): void {
    this.table.event({ t: 'bad', policy: this.id, where, raw, message });
    // The stage stops here, as under one thread; the main thread reports why.
    if (this.policy.kind === 'fail') throw new DataError(message, where);
  }

  override replacedUtf8Lines(input: string, lines: number): void {
    if (lines > 0) this.table.event({ t: 'utf8', policy: this.id, input, lines });
  }

  override summary(): string | undefined {
    return undefined;
  }

  override flush(): void {}
}
