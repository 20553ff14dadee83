/**
 * Pieces of `{"value":"…"}` lines written as bytes, shared by the fast paths
 * that build such lines without a string (fast/field-split.ts, fast/text-lines.ts).
 */

/** Bytes of `{"value":"`. */
export const VALUE_LINE_START_LENGTH = 10;
/** Bytes of `"}\n`. */
export const VALUE_LINE_END_LENGTH = 3;

/** Writes `{"value":"` at `at`; returns where the value's text starts. */
export function valueLineStart(buffer: Uint8Array, at: number): number {
  buffer[at] = 123;
  buffer[at + 1] = 34;
  buffer[at + 2] = 118;
  buffer[at + 3] = 97;
  buffer[at + 4] = 108;
  buffer[at + 5] = 117;
  buffer[at + 6] = 101;
  buffer[at + 7] = 34;
  buffer[at + 8] = 58;
  buffer[at + 9] = 34;
  return at + VALUE_LINE_START_LENGTH;
}

/** Writes `"}\n` at `at`; returns the position after it. */
export function valueLineEnd(buffer: Uint8Array, at: number): number {
  buffer[at] = 34;
  buffer[at + 1] = 125;
  buffer[at + 2] = 10;
  return at + VALUE_LINE_END_LENGTH;
}

const HEX = Buffer.from('0123456789abcdef');
/** JSON.stringify's two-character escapes, by character code (0: none). */
export const SHORT_ESCAPE = new Uint8Array(128);
for (const [c, e] of [[8, 'b'], [9, 't'], [10, 'n'], [12, 'f'], [13, 'r'], [34, '"'], [92, '\\']] as const) SHORT_ESCAPE[c] = e.charCodeAt(0);

/** An ASCII character c inside a JSON string, as JSON.stringify writes it (itself, `\x` or `\u00xx`), at `at`; returns the position after it. */
export function writeJsonAscii(buffer: Uint8Array, at: number, c: number): number {
  if (c >= 32 && c !== 34 && c !== 92) {
    buffer[at] = c;
    return at + 1;
  }
  buffer[at] = 92;
  const short = SHORT_ESCAPE[c]!;
  if (short !== 0) {
    buffer[at + 1] = short;
    return at + 2;
  }
  buffer[at + 1] = 117;
  buffer[at + 2] = 48;
  buffer[at + 3] = 48;
  buffer[at + 4] = HEX[c >> 4]!;
  buffer[at + 5] = HEX[c & 15]!;
  return at + 6;
}
