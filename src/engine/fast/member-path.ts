import { literalEnd, nestedEnd, numberEnd } from './flat-fields.js';
import { stringEnd as escapedStringEnd } from './line-shapes.js';

/** What MemberPath.find() found. */
export const FOUND = 0;
/** The path reads undefined, as compilePath() would: a name is not there, or a value on the way is not an object. */
export const MISSING = 1;
/** The text is not compact JSON as expected: the line is left to the general path. */
export const UNREAD = 2;

/**
 * The rest of a dotted field path (`tier` of `customer.tier`), read from the
 * JSON text of the value of its first name as a learned layout captured it:
 * valid JSON written without spaces (line-shapes.ts, block-layouts.ts). It
 * answers as compilePath() does on the parsed value: a value that is not an
 * object (an array, a string, null...) has no members, a name written with
 * escapes is the name it spells, and of a name given twice the last counts,
 * as JSON.parse keeps the last.
 */
export class MemberPath {
  /** After find() gave FOUND: the value's text is text[from, to). */
  from = 0;
  to = 0;

  constructor(private readonly names: readonly string[]) {}

  find(text: string): number {
    this.from = 0;
    this.to = text.length;
    for (let n = 0; n < this.names.length; n++) {
      const found = this.member(text, this.from, this.to, this.names[n]!);
      if (found !== FOUND) return found;
    }
    return FOUND;
  }

  /** The member `name` of the value text[from, to), into from/to. */
  private member(text: string, from: number, to: number, name: string): number {
    if (text.charCodeAt(from) !== 123 /* { */) return MISSING;
    let found = MISSING;
    let i = from + 1;
    if (text.charCodeAt(i) === 125 /* } */) return MISSING;
    for (;;) {
      if (text.charCodeAt(i) !== 34) return UNREAD;
      const close = escapedStringEnd(text, i + 1);
      if (close < 0 || text.charCodeAt(close + 1) !== 58 /* : */) return UNREAD;
      const end = valueEnd(text, close + 2, to);
      if (end < 0) return UNREAD;
      if (isName(text, i, close, name)) {
        this.from = close + 2;
        this.to = end;
        found = FOUND;
      }
      const c = text.charCodeAt(end);
      if (c === 125) return end + 1 === to ? found : UNREAD;
      if (c !== 44 /* , */) return UNREAD;
      i = end + 1;
    }
  }
}

/** Whether the key whose quotes are at `open` and `close` spells `name`. */
function isName(text: string, open: number, close: number, name: string): boolean {
  const escape = text.indexOf('\\', open + 1);
  if (escape < 0 || escape > close) return close - open - 1 === name.length && text.startsWith(name, open + 1);
  return JSON.parse(text.slice(open, close + 1)) === name;
}

/** The end of the JSON value at text[i] (no further than `to`), -1 when it is not one as expected. */
function valueEnd(text: string, i: number, to: number): number {
  const c = text.charCodeAt(i);
  let end: number;
  if (c === 34) end = escapedStringEnd(text, i + 1) + 1;
  else if (c === 123 || c === 91) end = nestedEnd(text, i, Infinity);
  else if (c === 45 || (c >= 48 && c <= 57)) end = numberEnd(text, i);
  else end = literalEnd(text, i);
  return end <= i || end > to ? -1 : end;
}
