import { isUtf8 } from 'node:buffer';
import { readSync } from 'node:fs';
import type { LineChunk } from './chunk-aggregator.js';

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
/** `{"__sluice":` (control.ts CONTROL_PREFIX). */
const CONTROL_PREFIX = Buffer.from('{"__sluice":');

/**
 * n contiguous ranges of [from, size) cut after a LF: n + 1 offsets, the
 * first `from`, the last `size` (ranges may be empty when lines are long).
 */
export function cutRanges(fd: number, from: number, size: number, n: number): number[] {
  const cuts = [from];
  const probe = Buffer.allocUnsafe(64 * 1024);
  for (let k = 1; k < n; k++) {
    let at = Math.max(cuts[k - 1]!, from + Math.floor(((size - from) * k) / n));
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
 * Calls `block` with each run of whole lines of [start, end), read into one
 * reused buffer (grown for a line longer than it): the buffer, and where the
 * run ends (after its last LF, or at `end` for a last line without one).
 * Stops when `block` returns false or `between` says so; whether it went to the end.
 */
async function eachBlock(fd: number, start: number, end: number, between: Between, block: (bytes: Buffer, length: number) => boolean): Promise<boolean> {
  let buffer = Buffer.allocUnsafe(Math.min(BLOCK_BYTES, Math.max(1, end - start)));
  let pos = start;
  while (pos < end) {
    if (await between()) return false;
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
    pos += length;
  }
  return true;
}

/**
 * The number of lines in [start, end), or undefined when one of them must go
 * the ordinary way (as CombineParallelOperator.takeLineBytes declines it:
 * blank, starting with white space, shaped like a control record, over
 * maxLineBytes, or invalid UTF-8): then the whole file does. Undefined too when stopped.
 */
export async function countRangeLines(fd: number, start: number, end: number, maxLineBytes: number, between: Between): Promise<number | undefined> {
  let lines = 0;
  const whole = await eachBlock(fd, start, end, between, (bytes, length) => {
    if (!isUtf8(bytes.subarray(0, length))) return false;
    let pos = 0;
    while (pos < length) {
      let lf = bytes.indexOf(LF, pos);
      if (lf < 0 || lf >= length) lf = length;
      const size = lf - pos - (lf > pos && bytes[lf - 1] === 13 ? 1 : 0);
      const b = bytes[pos];
      if (size <= 0 || b === 32 || b === 9 || b === 13 || size > maxLineBytes) return false;
      if (bytes[pos + 2] === 95 && size >= CONTROL_PREFIX.length && bytes.compare(CONTROL_PREFIX, 0, CONTROL_PREFIX.length, pos, pos + CONTROL_PREFIX.length) === 0) return false;
      lines++;
      pos = lf + 1;
    }
    return true;
  });
  return whole ? lines : undefined;
}

/** Where a range's lines are in the input: the number of its first line (and its sequence number), the input's name. */
export interface RangePlace {
  firstLine: number;
  seq: number;
  input: string;
}

/** Hands [start, end)'s lines (counted by countRangeLines) to `take` a block at a time, numbered from `place`, until `between` says stop. */
export async function takeRange(fd: number, start: number, end: number, place: RangePlace, take: (chunk: LineChunk) => void, between: Between): Promise<void> {
  let line = place.firstLine;
  let seq = place.seq;
  const inputs = [place.input];
  await eachBlock(fd, start, end, between, (bytes, length) => {
    let lines = 0;
    for (let p = bytes.indexOf(LF); p >= 0 && p < length; p = bytes.indexOf(LF, p + 1)) lines++;
    if (length > 0 && bytes[length - 1] !== LF) lines++;
    take({ bytes, at: 0, length, seq, segs: Float64Array.of(lines, line, -1, 0), inputs });
    line += lines;
    seq += lines;
    return true;
  });
}

/** Where the lines of [from, size) begin: after a UTF-8 byte order mark, which the stage's line framer drops at the start of its input. */
export function afterBom(fd: number, from: number, size: number): number {
  const head = Buffer.alloc(3);
  const got = size - from >= 3 ? readSync(fd, head, 0, 3, from) : 0;
  return got === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? from + 3 : from;
}
