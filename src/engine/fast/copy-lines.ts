import type { TakenLines } from '../framing.js';
import { BlockLayouts } from './block-layouts.js';
import type { TakesBytes } from './fields-read.js';

/**
 * A whole-read taker (LineSink.takeLineBytes) for a stage whose next stage is
 * its own writer and which writes each valid input line as it is:
 * `source file --format json`, and a stage whose chain is its writer alone
 * (`sluice sink` to stdout). Lines are checked in place by learned layouts
 * and copied to the writer as the input's bytes, one copy per run of lines.
 */
export function validLinesCopier(writer: TakesBytes, maxDepth: number): (bytes: Buffer, from: number, end: number, maxLineBytes: number) => TakenLines {
  const layouts = new BlockLayouts(undefined, [], maxDepth);
  return (bytes, from, end, maxLineBytes) => copyValidLines(layouts, writer, bytes, from, end, maxLineBytes);
}

/**
 * The lines of bytes[from, end) (the last one ends at `end`) that a writer
 * would write unchanged, copied as they are into the writer's byte
 * buffer: lines of a learned layout (a JSON object without spaces), not
 * shaped like a control record, within --max-line-bytes. Stops at the first
 * other line, which with the rest of the read takes the ordinary path (after
 * learning its layout, when it has one).
 */
function copyValidLines(layouts: BlockLayouts, writer: TakesBytes, bytes: Buffer, from: number, end: number, maxLineBytes: number): TakenLines {
  let lines = 0;
  const copy = (p: number) => {
    if (lines === 0) return;
    // The text's last LF may be one scan() added (the last line of the input lacks it): the writer's line gets one.
    const length = p;
    const present = Math.min(length, (end < bytes.length && bytes[end] === 10 ? end + 1 : end) - from);
    const room = writer.byteRoom(length);
    const at = writer.bytesUsed;
    bytes.copy(room, at, from, from + present);
    if (present < length) room[at + present] = 10;
    writer.addedBytes(length, lines);
  };
  return layouts.scan(bytes, from, end, maxLineBytes, () => ++lines > 0, copy);
}
