import { isUtf8 } from 'node:buffer';
import type { TakenLines } from '../framing.js';
import type { TakesBytes } from './fields-read.js';
import { VALUE_LINE_END_LENGTH, VALUE_LINE_START_LENGTH, valueLineEnd, valueLineStart, writeJsonAscii } from './value-line-bytes.js';

/** A line's bytes may grow sixfold (`\u00XX`), plus the record's own bytes. */
const GROWTH = 6;
const FRAME = VALUE_LINE_START_LENGTH + VALUE_LINE_END_LENGTH;

/**
 * `source --format text` lines of one read written straight from their bytes
 * as `{"value":"…"}` lines into the writer's byte buffer (the records
 * textRecordLine() would give, without a string per line). Valid UTF-8 (the
 * whole read, checked at once) needs escapes only for `"`, `\` and the
 * control characters below U+0020, exactly those JSON.stringify escapes
 * (short forms for \b \t \n \f \r, else `\u00xx` in lower case); its other
 * bytes are copied. As in the framer, one CR before the LF is dropped and an
 * empty line holds no record. Stops before a line longer than maxLineBytes
 * (the ordinary path reports it); a read that is not valid UTF-8 takes the
 * ordinary path whole (replacement characters, --strict-utf8).
 */
export function copyTextLines(writer: TakesBytes, bytes: Buffer, from: number, end: number, maxLineBytes: number): TakenLines {
  if (!isUtf8(bytes.subarray(from, end))) return { to: from, lines: 0 };
  let p = from;
  let lines = 0;
  let records = 0;
  while (p <= end) {
    let eol = bytes.indexOf(10, p);
    if (eol < 0 || eol > end) eol = end;
    const stop = eol > p && bytes[eol - 1] === 13 ? eol - 1 : eol;
    const length = stop - p;
    if (length > maxLineBytes) break;
    lines++;
    p = eol + 1;
    if (length === 0) continue;
    const room = writer.byteRoom(GROWTH * length + FRAME);
    const start = writer.bytesUsed;
    let at = valueLineStart(room, start);
    for (let i = stop - length; i < stop; i++) {
      const c = bytes[i]!;
      // Bytes of multi-byte characters (valid UTF-8) stand for themselves, as in JSON.stringify.
      if (c >= 32 && c !== 34 && c !== 92) room[at++] = c;
      else at = writeJsonAscii(room, at, c);
    }
    at = valueLineEnd(room, at);
    writer.addedBytes(at - start, 1);
    records++;
  }
  return { to: p, lines, records };
}
