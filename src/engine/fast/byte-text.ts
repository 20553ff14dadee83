/**
 * A read of valid UTF-8 seen as one character per byte (Latin-1 decoding).
 * JSON's structure (quotes, backslashes, braces, digits, control characters)
 * is ASCII and every byte of a multi-byte character is 0x80 or above, so a
 * line has the same structure in this view as decoded, and a character
 * offset is a byte offset: lines are checked and copied as bytes with no
 * UTF-8 decoding or encoding. Only strings taken out of the view for their
 * value (a key, a field an expression reads) are decoded, with stringOf().
 * The caller checks the read is valid UTF-8 first (buffer.isUtf8): an
 * invalid read keeps the general path, which replaces or refuses it.
 */

/** The byte view of bytes[from, to). */
export function byteText(bytes: Buffer, from: number, to: number): string {
  return bytes.toString('latin1', from, to);
}

// eslint-disable-next-line no-control-regex
const HIGH = /[\x80-\xff]/;

/** The string that a slice of a byte view stands for. */
export function stringOf(view: string): string {
  return HIGH.test(view) ? Buffer.from(view, 'latin1').toString('utf8') : view;
}

/** The byte view of a string (a key or a literal to find in a byte view). */
export function viewOf(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** Decoded strings kept at once by a ViewDecoder. */
const MAX_DECODED = 4096;

/**
 * stringOf() for values that repeat (group keys, window texts): each
 * distinct view is decoded once (a decode allocates, about ten times the
 * cost of a lookup), up to MAX_DECODED at a time.
 */
export class ViewDecoder {
  private readonly strings = new Map<string, string>();

  stringOf(view: string): string {
    if (!HIGH.test(view)) return view;
    let s = this.strings.get(view);
    if (s === undefined) {
      s = stringOf(view);
      if (this.strings.size >= MAX_DECODED) this.strings.clear();
      // The key is a copy: a slice of a read's view would keep the whole read alive.
      this.strings.set(Buffer.from(view, 'latin1').toString('latin1'), s);
    }
    return s;
  }
}
