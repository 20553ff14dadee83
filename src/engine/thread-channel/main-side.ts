import { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import type { ErrorPolicy } from '../error-policy.js';
import { UsageError } from '../errors.js';
import type { PositionTracker } from '../stream.js';
import { ENTRY, type ChannelEvent, type FromSourceThread, type PositionTable, type SpareBuffers, type ToSourceThread } from './protocol.js';

/**
 * The position of the stages after the thread boundary: the stage runner
 * sets `line` to the channel line being read, and diagnostics get the
 * source's input, line and text for it (what one thread's shared position
 * would say then). Setting `line` first reports, in stream order, what the
 * source thread's stages reported before that line.
 */
export class ChannelPosition implements PositionTracker {
  record: number | undefined;
  block: PositionTracker['block'];
  private current = 0;
  private readonly tables: PositionTable[] = [];
  private readonly inputs: string[] = [];
  private events: ChannelEvent[] = [];
  private nextEvent = 0;
  /** The source thread's policies by id (0: the source's); set before reading. */
  policies: ErrorPolicy[] = [];
  /** Buffers of tables no longer looked at. */
  readonly released: Pick<SpareBuffers, 'entries' | 'raws'> = { entries: [], raws: [] };

  constructor(private readonly warn: (line: string) => void) {}

  get line(): number {
    return this.current;
  }

  set line(n: number) {
    this.current = n;
    const tables = this.tables;
    // Tables wholly before the one before the current line are done with.
    while (tables.length > 2 && tables[1]!.first + tables[1]!.count <= n) {
      const t = tables.shift()!;
      this.released.entries.push(t.entries.buffer as ArrayBuffer);
      this.released.raws.push(t.raws.buffer as ArrayBuffer);
    }
    if (this.nextEvent < this.events.length && this.events[this.nextEvent]!.at <= n) this.report(n);
  }

  get input(): string {
    const e = this.entry();
    return e ? this.inputs[e.t.entries[e.at + 1]!]! : 'stdin';
  }

  set input(_name: string) {
    /* the source's, from the table */
  }

  get raw(): string {
    const e = this.entry();
    if (!e) return '';
    const raws = Buffer.from(e.t.raws.buffer, e.t.raws.byteOffset, e.t.raws.byteLength);
    let from = e.t.entries[e.at + 2]!;
    const end = e.t.entries[e.at + 3]!;
    if (end >= 0) return raws.toString('utf8', from, end);
    for (let k = -end; k > 1; k--) from = raws.indexOf(10, from) + 1;
    return raws.toString('utf8', from, raws.indexOf(10, from));
  }

  set raw(_text: string) {
    /* the source's, from the table */
  }

  where(): string {
    const e = this.entry();
    return e ? `${this.inputs[e.t.entries[e.at + 1]!]}:${e.t.entries[e.at]}` : 'stdin:0';
  }

  add(m: PositionTable & { newInputs: string[]; events: ChannelEvent[] }): void {
    this.tables.push(m);
    this.inputs.push(...m.newInputs);
    this.addEvents(m.events);
  }

  addEvents(events: ChannelEvent[]): void {
    if (this.nextEvent > 1024) {
      this.events = this.events.slice(this.nextEvent);
      this.nextEvent = 0;
    }
    for (const e of events) this.events.push(e);
  }

  /** Reports every event before channel line n (Infinity: all). A policy under fail throws, as it would have in the source thread. */
  report(n: number): void {
    while (this.nextEvent < this.events.length && this.events[this.nextEvent]!.at <= n) {
      const e = this.events[this.nextEvent++]!;
      if (e.t === 'warn') this.warn(e.line);
      else if (e.t === 'bad') this.policies[e.policy]!.badAt(e.where, e.raw, e.message);
      else this.policies[e.policy]!.replacedUtf8Lines(e.input, e.lines);
    }
  }

  /** The table holding the current line, and where its entry starts. */
  private entry(): { t: PositionTable; at: number } | undefined {
    const n = this.current;
    for (const t of this.tables) if (n >= t.first && n < t.first + t.count) return { t, at: ENTRY * (n - t.first) };
    return undefined;
  }
}

/**
 * The source thread's stream as the main thread's input: chunks as they
 * arrive, each taken (acknowledged) once the reader wants more, so at most a
 * few are ever held. Like every reader of a stage's stdin, the reader pauses
 * in its 'data' handler and has used the chunk up when it resumes (the line
 * framer copies what it keeps): the chunks emitted before then go back to the
 * source thread with the next acknowledgement, to be filled again. A failed
 * or vanished thread is this stream's error.
 */
const PIECE_BYTES = 64 * 1024;

export class ChannelInput extends Readable {
  private owed = 0;
  private ended = false;
  private emitted: Buffer[] = [];
  private spareBytes: ArrayBuffer[] = [];
  private readonly chunkEnds = new WeakMap<ArrayBufferLike, number>();
  /** The source thread finished (its events after its last line are the position's). */
  finished = false;
  /** The CPU time the source thread used, when it finished (SLUICE_RUN_TRACE). */
  sourceCpuSeconds: number | undefined;
  private draining = false;
  private readonly over: Promise<void>;
  private settle: () => void = () => undefined;

  constructor(
    private readonly worker: Worker,
    private readonly position: ChannelPosition,
  ) {
    super({ highWaterMark: 1 });
    this.over = new Promise((resolve) => (this.settle = resolve));
    worker.on('message', (m: FromSourceThread) => {
      if (m.t === 'chunk' && this.draining) {
        this.acknowledge();
      } else if (m.t === 'chunk') {
        position.add(m);
        this.chunkEnds.set(m.bytes.buffer, m.bytes.byteOffset + m.bytes.byteLength);
        if (this.pushPieces(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength))) this.acknowledge();
        else this.owed++;
      } else if (m.t === 'done') {
        this.ended = true;
        this.finished = true;
        this.sourceCpuSeconds = m.cpuSeconds;
        position.addEvents(m.events);
        this.push(null);
        this.settle();
      } else {
        this.ended = true;
        this.destroy(new UsageError(m.message));
        this.settle();
      }
    });
    worker.on('error', (err) => {
      this.ended = true;
      this.destroy(err);
      this.settle();
    });
    worker.on('exit', (code) => {
      this.settle();
      if (this.ended) return;
      this.ended = true;
      this.destroy(new Error(`the source's thread stopped unexpectedly (exit status ${code})`));
    });
  }

  /**
   * After the reader read the end of the stream: whatever still comes is
   * taken unread, and this resolves once the source thread finished (its
   * last events are then the position's).
   */
  finish(): Promise<void> {
    this.draining = true;
    this._read();
    return this.over;
  }

  /**
   * A chunk in pieces of whole lines of about PIECE_BYTES: a stage decodes
   * what it is given at once, and a string over 128 KB is made in the old
   * generation, which only a full collection frees.
   */
  private pushPieces(bytes: Buffer): boolean {
    let more = true;
    let from = 0;
    while (from < bytes.length) {
      let to = from + PIECE_BYTES >= bytes.length ? bytes.length : bytes.lastIndexOf(10, from + PIECE_BYTES) + 1;
      if (to <= from) to = Math.min(bytes.length, bytes.indexOf(10, from + PIECE_BYTES) + 1 || bytes.length);
      more = this.push(bytes.subarray(from, to));
      from = to;
    }
    return more;
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data') this.emitted.push(args[0] as Buffer);
    return super.emit(event, ...args);
  }

  override resume(): this {
    // A chunk's buffer goes back once its last piece was used.
    for (const b of this.emitted) if (b.byteOffset + b.length === this.chunkEnds.get(b.buffer)) this.spareBytes.push(b.buffer as ArrayBuffer);
    this.emitted = [];
    return super.resume();
  }

  override _read(): void {
    while (this.owed > 0) {
      this.owed--;
      this.acknowledge();
    }
  }

  send(m: ToSourceThread, transfer: ArrayBuffer[] = []): void {
    if (!this.ended) this.worker.postMessage(m, transfer);
  }

  private acknowledge(): void {
    const { entries, raws } = this.position.released;
    const spare: SpareBuffers = { bytes: this.spareBytes, entries: entries.splice(0), raws: raws.splice(0) };
    this.spareBytes = [];
    this.send({ t: 'ack', ...spare }, [...spare.bytes, ...spare.entries, ...spare.raws]);
  }
}
