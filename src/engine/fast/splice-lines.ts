import { isUtf8 } from 'node:buffer';
import { asRecord, parseRecord } from '../codec.js';
import { bytesLookLikeControl, CONTROL_PREFIX, looksLikeControl } from '../control.js';
import type { TakenLines } from '../framing.js';
import type { PositionTracker } from '../stream.js';
import { byteText, stringOf } from './byte-text.js';
import type { TakesBytes } from './fields-read.js';
import { EditedOut, writeSpliced, type AddedMembers, type CanonicalLines, type SplicedOut } from './map-splice.js';
import type { PathTrial } from './path-trial.js';

type RecordFn = (r: unknown) => unknown;

/**
 * A spliced map (map-splice.ts) whose next stage is the writer, over the
 * undecoded lines of a read (LineSink.takeLineBytes), in their byte view
 * (byte-text.ts): a canonical line goes out as its own bytes with the added
 * members before its closing brace, and any other line is parsed and mapped
 * whole, as the general path would, so neither is cut out as a string of
 * its own nor decoded, and the writer gets bytes only.
 *
 * Left to the general path, with the rest of the read: a read that is not
 * valid UTF-8, a line that does not start with `{` or may be a control
 * record, a line longer than the limit, and a line the general path has
 * something to say about (not JSON, too deep, an expression that throws, a
 * result that cannot be written or looks like a control record).
 */
export class SpliceLines {
  constructor(
    /** In the byte view. */
    private readonly lines: CanonicalLines,
    private readonly members: AddedMembers,
    private readonly added: RecordFn,
    private readonly whole: RecordFn,
    private readonly trial: PathTrial,
    private readonly maxDepth: number,
    private readonly out: TakesBytes,
    private readonly position: PositionTracker,
  ) {}

  take(bytes: Buffer, from: number, end: number, maxLineBytes: number): TakenLines {
    if (!isUtf8(bytes.subarray(from, end))) return { to: from, lines: 0 };
    const view = byteText(bytes, from, end);
    const n = view.length;
    let p = 0;
    let lines = 0;
    let last = 0;
    while (p <= n) {
      if (view.charCodeAt(p) !== 123 || view.startsWith(CONTROL_PREFIX, p)) break;
      let lineEnd = view.indexOf('\n', p);
      if (lineEnd < 0) lineEnd = n;
      if (lineEnd - p > maxLineBytes) break;
      const checked = !this.trial.skip();
      if (!(checked && this.spliced(view, bytes, from, p, lineEnd))) {
        if (checked) this.trial.tried(0, 1);
        if (!this.mapped(view, p, lineEnd)) {
          // The general path takes the line next: it was checked already.
          if (checked) this.trial.passOverNext();
          break;
        }
      }
      lines++;
      last = p;
      p = lineEnd + 1;
    }
    if (lines > 0) {
      // Where the general path would leave the position after the last line taken.
      this.position.line += lines;
      if (this.position.record !== undefined) this.position.record += lines;
      this.position.raw = stringOf(view.slice(last, p - 1));
    }
    return { to: from + p, lines };
  }

  /** The canonical line view[p, lineEnd) with the added members; false when it is not canonical, its added fields throw or its map would read as a control record. */
  private spliced(view: string, bytes: Buffer, from: number, p: number, lineEnd: number): boolean {
    const lines = this.lines;
    const record = lines.read(view, p, lineEnd);
    if (record === undefined) return false;
    let added: Record<string, unknown>;
    let members: string;
    let texts: (string | undefined)[] | undefined;
    try {
      added = this.added(record) as Record<string, unknown>;
      members = this.members.of(added, lines.foundAt);
      texts = lines.foundCount > 0 || lines.editCount > 0 ? this.members.foundTexts(added, lines) : undefined;
    } catch {
      return false;
    }
    const lineBytes = lineEnd - p;
    let room: Buffer;
    const start = this.out.bytesUsed;
    let at: number;
    if (texts === undefined) {
      const comma = members !== '' && lineBytes > 2 ? 1 : 0;
      room = this.out.byteRoom(lineBytes + comma + Buffer.byteLength(members) + 1);
      at = start + bytes.copy(room, start, from + p, from + lineEnd - 1);
      if (comma) room[at++] = 44;
      at += room.write(members, at);
      room[at++] = 125;
    } else {
      let size = lineBytes + lines.editGrowth + 1 + Buffer.byteLength(members) + 1;
      for (const text of texts) if (text !== undefined) size += Buffer.byteLength(text);
      room = this.out.byteRoom(size);
      const out = this.byteOut.into(bytes, from, room, start);
      writeSpliced(p, lineEnd, lines.found, lines.foundCount, texts, members, lines.editCount > 0 ? new EditedOut(out, lines) : out, lines.spaced ? 1 : 0);
      at = out.at;
      if (bytesLookLikeControl(room, start, at - start)) return false;
    }
    room[at++] = 10;
    this.out.addedBytes(at - start, 1);
    this.trial.tried(1, 0);
    return true;
  }

  private readonly byteOut = new ByteOut();

  /** The map of the line view[p, lineEnd) parsed whole; false when the general path has something to say about it. */
  private mapped(view: string, p: number, lineEnd: number): boolean {
    let text: string;
    try {
      const result = this.whole(parseRecord(stringOf(view.slice(p, lineEnd)), this.maxDepth));
      text = JSON.stringify(asRecord(result === undefined ? null : result));
    } catch {
      return false;
    }
    if (looksLikeControl(text)) return false;
    const room = this.out.byteRoom(Buffer.byteLength(text) + 1);
    const start = this.out.bytesUsed;
    const at = start + room.write(text, start);
    room[at] = 10;
    this.out.addedBytes(at + 1 - start, 1);
    return true;
  }
}

const SHORT_COPY = 48;

/** writeSpliced's output as bytes: ranges of the view are copied from the read's bytes. */
class ByteOut implements SplicedOut {
  private bytes: Buffer = Buffer.alloc(0);
  private from = 0;
  private room: Buffer = Buffer.alloc(0);
  at = 0;

  into(bytes: Buffer, from: number, room: Buffer, at: number): this {
    this.bytes = bytes;
    this.from = from;
    this.room = room;
    this.at = at;
    return this;
  }

  range(from: number, to: number): void {
    const n = to - from;
    if (n > SHORT_COPY) {
      this.at += this.bytes.copy(this.room, this.at, this.from + from, this.from + to);
      return;
    }
    // Buffer.copy's own cost is that of copying about this many bytes one by one.
    const { bytes, room } = this;
    const src = this.from + from;
    const at = this.at;
    for (let i = 0; i < n; i++) room[at + i] = bytes[src + i]!;
    this.at = at + n;
  }

  text(text: string): void {
    this.at += this.room.write(text, this.at);
  }
}
