import type { PositionTracker } from '../stream.js';
import { ENTRY, type ChannelEvent, type PositionTable } from './protocol.js';

type EventBody = ChannelEvent extends infer E ? (E extends ChannelEvent ? Omit<E, 'at'> : never) : never;

/**
 * The source thread's side of the position tables: mark() is called as each
 * line is written to the channel, with the stage's position at that moment;
 * take() hands over what was marked since the last take, when its lines go
 * out as one chunk. While the source hands a whole read to its first stage
 * (PositionTracker.block), the lines that stage passes on are the read's
 * lines in order: their numbers are counted, and their texts are the read's
 * bytes, copied once and cut into lines only when a diagnostic wants one.
 */
export class ChannelTable {
  /** Entries handed over before the current table. */
  private sent = 0;
  private n = 0;
  private entries = new Int32Array(ENTRY * 8192);
  private raws = Buffer.allocUnsafeSlow(RAWS_BYTES);
  private rawUsed = 0;
  /** Buffers of tables the main thread is done with. */
  private readonly spareEntries: ArrayBuffer[] = [];
  private readonly spareRaws: ArrayBuffer[] = [];
  private readonly inputs = new Map<string, number>();
  private newInputs: string[] = [];
  private events: ChannelEvent[] = [];
  /** The read being taken a block at a time, the line before its first and the last of it marked. */
  private block: PositionTracker['block'];
  private blockStartLine = 0;
  private blockLine = 0;
  /** Where the read's lines from the first not yet marked were copied into raws (-1: not yet), and how many of them were marked since. */
  private copiedAt = -1;
  private linesSinceCopy = 0;

  mark(pos: PositionTracker): void {
    if (ENTRY * (this.n + 1) > this.entries.length) this.growEntries();
    const e = ENTRY * this.n++;
    const entries = this.entries;
    const b = pos.block;
    if (b !== undefined) {
      if (b !== this.block) {
        this.block = b;
        this.blockStartLine = this.blockLine = pos.line;
        this.copiedAt = -1;
      }
      if (this.copiedAt < 0) this.copyRestOfBlock(b);
      entries[e] = ++this.blockLine;
      entries[e + 2] = this.copiedAt;
      entries[e + 3] = -++this.linesSinceCopy;
    } else {
      this.block = undefined;
      entries[e] = pos.line;
      entries[e + 2] = this.rawUsed;
      this.addRawText(pos.raw);
      entries[e + 3] = this.rawUsed;
    }
    entries[e + 1] = this.inputId(pos.input);
  }

  /** Something the main thread reports after the lines marked so far. */
  event(e: EventBody): void {
    this.events.push({ ...e, at: this.sent + this.n + 1 } as ChannelEvent);
  }

  /** The table of the lines marked since the last take (whole buffers, to be transferred), with the inputs first named and the events since. */
  take(): PositionTable & { newInputs: string[]; events: ChannelEvent[] } {
    const table = { first: this.sent + 1, count: this.n, entries: this.entries, raws: this.raws, newInputs: this.newInputs, events: this.events };
    this.sent += this.n;
    this.n = 0;
    const entries = this.spareEntries.pop();
    this.entries = entries === undefined ? new Int32Array(this.entries.length) : new Int32Array(entries);
    const raws = this.spareRaws.pop();
    this.raws = raws === undefined ? Buffer.allocUnsafeSlow(RAWS_BYTES) : Buffer.from(raws);
    this.rawUsed = 0;
    // The rest of a read still being taken goes into the new buffer, from the line it is at.
    this.copiedAt = -1;
    this.newInputs = [];
    this.events = [];
    return table;
  }

  /** Buffers of earlier tables, free again. */
  recycle(entries: ArrayBuffer[], raws: ArrayBuffer[]): void {
    for (const b of entries) if (b.byteLength === this.entries.byteLength) this.spareEntries.push(b);
    for (const b of raws) if (b.byteLength >= RAWS_BYTES) this.spareRaws.push(b);
  }

  /** Events after the last line. */
  trailing(): ChannelEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  private inputId(name: string): number {
    let id = this.inputs.get(name);
    if (id === undefined) {
      id = this.inputs.size;
      this.inputs.set(name, id);
      this.newInputs.push(name);
    }
    return id;
  }

  /** The read's bytes from the line after the last one marked to its end, with an LF after its last line. */
  private copyRestOfBlock(b: NonNullable<PositionTracker['block']>): void {
    let from = b.from;
    for (let k = this.blockLine - this.blockStartLine; k > 0; k--) from = b.bytes.indexOf(10, from) + 1;
    const length = b.end - from;
    this.room(length + 1);
    b.bytes.copy(this.raws, this.rawUsed, from, b.end);
    this.raws[this.rawUsed + length] = 10;
    this.copiedAt = this.rawUsed;
    this.rawUsed += length + 1;
    this.linesSinceCopy = 0;
  }

  private addRawText(text: string): void {
    if (text.length === 0) return;
    this.room(text.length * 3);
    this.rawUsed += this.raws.write(text, this.rawUsed, 'utf8');
  }

  private room(n: number): void {
    if (this.rawUsed + n <= this.raws.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(2 * this.raws.length, this.rawUsed + n));
    this.raws.copy(bigger, 0, 0, this.rawUsed);
    this.raws = bigger;
  }

  private growEntries(): void {
    const bigger = new Int32Array(this.entries.length * 2);
    bigger.set(this.entries);
    this.entries = bigger;
    this.spareEntries.length = 0;
  }
}

/** A table's text buffer: a chunk's lines' source text is about as long as the chunk. */
const RAWS_BYTES = 2 << 20;
