import { isUtf8 } from 'node:buffer';
import { readSync } from 'node:fs';
import type { LineChunk, RangeRead } from './parallel-protocol.js';
import { bytesLookLikeControl } from '../control.js';

/**
 * --parallel's combine over a regular file on stdin: each thread reads its own
 * contiguous byte range of the file in place (pread at offsets; worker threads
 * share the process's descriptors), so the stage's thread never touches the
 * workers' lines. A range starts after a LF (or at the start) and ends after
 * one (or at the end of the file).
 */

/** Bytes read at a time (SLUICE_RANGE_BLOCK_BYTES: smaller, for tests); a block grows to hold a longer line. */
const BLOCK_BYTES = Number(process.env['SLUICE_RANGE_BLOCK_BYTES']) || 1024 * 1024;
const LF = 10;

/**
 * The first range's size against the others' (SLUICE_RANGE_FIRST_SHARE: for
 * measuring). The ranges are cut once the workers are running, from where
 * the stage's thread has read to by then (parallel-combine.ts), so a
 * worker's late start is already paid for; the stage's thread also gathers
 * its share for the merge before the workers' shares arrive.
 */
const FIRST_SHARE = Number(process.env['SLUICE_RANGE_FIRST_SHARE']) || 0.9;

/**
 * n contiguous ranges of [from, size) cut after a LF: n + 1 offsets, the
 * first `from`, the last `size` (ranges may be empty when lines are long).
 */
export function cutRanges(fd: number, from: number, size: number, n: number): number[] {
  const cuts = [from];
  const probe = Buffer.allocUnsafe(64 * 1024);
  const shares = n - 1 + FIRST_SHARE;
  for (let k = 1; k < n; k++) {
    let at = Math.max(cuts[k - 1]!, from + Math.floor(((size - from) * (k - 1 + FIRST_SHARE)) / shares));
    // The cut goes after the first LF at or after byte at - 1, so a range never starts inside a line.
    let pos = at > from ? at - 1 : at;
    at = size;
    while (pos < size) {
      const got = readSync(fd, probe, 0, Math.min(probe.length, size - pos), pos);
      if (got <= 0) break;
      const lf = probe.subarray(0, got).indexOf(LF);
      if (lf >= 0) {
        at = pos + lf + 1;
        break;
      }
      pos += got;
    }
    cuts.push(at);
  }
  cuts.push(size);
  return cuts;
}

/**
 * Between two blocks of a range: lets the thread's event loop run (a signal
 * reaches the stage's thread, whose handlers are JavaScript), then whether
 * to stop.
 */
export type Between = () => Promise<boolean>;

/**
 * A range being read: `pos` where the next block starts, kept up to date by
 * takeRange; `end` may be moved (to a cut after a LF, not before `pos`)
 * while it is read, between two blocks.
 */
export interface ReadingRange {
  pos: number;
  end: number;
}

/**
 * Calls `block` with each run of whole lines of [range.pos, range.end), read
 * into one reused buffer (grown for a line longer than it): the buffer, and
 * where the run ends (after its last LF, or at the end for a last line
 * without one). Stops when `block` returns false or `between` says so;
 * whether it went to the end.
 */
async function eachBlock(fd: number, range: ReadingRange, between: Between, block: (bytes: Buffer, length: number) => boolean): Promise<boolean> {
  let buffer = Buffer.allocUnsafe(Math.min(BLOCK_BYTES, Math.max(1, range.end - range.pos)));
  while (range.pos < range.end) {
    if (await between()) return false;
    const { pos, end } = range;
    if (pos >= end) break;
    const want = Math.min(buffer.length, end - pos);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buffer, got, want - got, pos + got);
      if (n <= 0) throw new Error(`the input file ended at byte ${pos + got}, before byte ${end}: it shrank while being read`);
      got += n;
    }
    let length = got;
    if (pos + got < end) {
      const lf = buffer.lastIndexOf(LF, got - 1);
      if (lf < 0) {
        buffer = Buffer.allocUnsafe(buffer.length * 2);
        continue;
      }
      length = lf + 1;
    }
    if (!block(buffer, length)) return false;
    range.pos = pos + length;
  }
  return true;
}

/**
 * The lines of a block as CombineParallelOperator.takeLineBytes takes them,
 * or -1 when one must go the ordinary way (blank, starting with white space,
 * shaped like a control record, over maxLineBytes, or invalid UTF-8): then
 * the whole file does.
 */
function plainLines(bytes: Buffer, length: number, maxLineBytes: number): number {
  if (!isUtf8(bytes.subarray(0, length))) return -1;
  let lines = 0;
  let pos = 0;
  while (pos < length) {
    let lf = bytes.indexOf(LF, pos);
    if (lf < 0 || lf >= length) lf = length;
    const size = lf - pos - (lf > pos && bytes[lf - 1] === 13 ? 1 : 0);
    const b = bytes[pos];
    if (size <= 0 || b === 32 || b === 9 || b === 13 || size > maxLineBytes) return -1;
    if (bytesLookLikeControl(bytes, pos, size)) return -1;
    lines++;
    pos = lf + 1;
  }
  return lines;
}


/**
 * Hands the lines of the range to `take` a block at a time, numbered
 * within the range (line 1, sequence number 0: the caller shifts them once
 * every earlier range's lines are known), until `between` says stop.
 */
export async function takeRange(fd: number, range: ReadingRange, input: string, maxLineBytes: number, take: (chunk: LineChunk) => void, between: Between): Promise<RangeRead> {
  let lines = 0;
  let plain = true;
  const inputs = [input];
  const whole = await eachBlock(fd, range, between, (bytes, length) => {
    const n = plainLines(bytes, length, maxLineBytes);
    if (n < 0) return (plain = false);
    take({ bytes, at: 0, length, seq: lines, segs: Float64Array.of(n, lines + 1, -1, 0), inputs });
    lines += n;
    return true;
  });
  return plain ? { lines, whole } : undefined;
}

/** A bad record's place (`input:line`, read within its range) moved down by the lines before its range. */
export function shiftLine(where: string, by: number): string {
  const colon = where.lastIndexOf(':');
  return `${where.slice(0, colon + 1)}${Number(where.slice(colon + 1)) + by}`;
}

/** Where the lines of [from, size) begin: after a UTF-8 byte order mark, which the stage's line framer drops at the start of its input. */
export function afterBom(fd: number, from: number, size: number): number {
  const head = Buffer.alloc(3);
  const got = size - from >= 3 ? readSync(fd, head, 0, 3, from) : 0;
  return got === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? from + 3 : from;
}
