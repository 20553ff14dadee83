// A validating scan of one JSON text, allocating nothing: true only when
// JSON.parse would accept the text, its value is an object, it nests at most
// `maxDepth` levels and it holds no line break outside strings (so it can be
// forwarded as one NDJSON line without parsing and re-serialising it).
// Anything else (including text this scan is unsure of) returns false and
// takes the ordinary parse path.

const SPACE = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d;
const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e, ZERO = 0x30, NINE = 0x39;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

class Scan {
  i = 0;
  constructor(readonly s: string) {}

  /** Skips spaces and tabs; a line break fails the scan (-1). */
  space(): number {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === SPACE || c === TAB) c = s.charCodeAt(++this.i);
    return c === LF || c === CR ? -1 : c;
  }

  string(): boolean {
    const s = this.s;
    let i = this.i + 1; // after the opening quote
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) break;
      if (c !== c || c < 0x20) return false; // end of text (NaN) or a raw control character
      if (c === BACKSLASH) {
        const e = s.charCodeAt(i + 1);
        if (e === 0x75 /* u */) {
          if (!isHex(s.charCodeAt(i + 2)) || !isHex(s.charCodeAt(i + 3)) || !isHex(s.charCodeAt(i + 4)) || !isHex(s.charCodeAt(i + 5))) return false;
          i += 6;
          continue;
        }
        // " \ / b f n r t
        if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return false;
        i += 2;
        continue;
      }
      i++;
    }
    this.i = i + 1;
    return true;
  }

  number(): boolean {
    const s = this.s;
    let i = this.i;
    if (s.charCodeAt(i) === MINUS) i++;
    let c = s.charCodeAt(i);
    if (c === ZERO) c = s.charCodeAt(++i);
    else if (isDigit(c)) while (isDigit((c = s.charCodeAt(++i))));
    else return false;
    if (c === DOT) {
      if (!isDigit(s.charCodeAt(++i))) return false;
      while (isDigit((c = s.charCodeAt(++i))));
    }
    if (c === 0x65 || c === 0x45 /* e E */) {
      c = s.charCodeAt(++i);
      if (c === PLUS || c === MINUS) c = s.charCodeAt(++i);
      if (!isDigit(c)) return false;
      while (isDigit(s.charCodeAt(++i)));
    }
    this.i = i;
    return true;
  }

  word(w: string): boolean {
    if (!this.s.startsWith(w, this.i)) return false;
    this.i += w.length;
    return true;
  }

  /** One value at nesting `depth` (the value's own level). */
  value(depth: number, maxDepth: number): boolean {
    const c = this.space();
    switch (c) {
      case QUOTE:
        return this.string();
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        return depth <= maxDepth && this.container(c === OPEN_OBJECT, depth, maxDepth);
      case 0x74:
        return this.word('true');
      case 0x66:
        return this.word('false');
      case 0x6e:
        return this.word('null');
      default:
        return this.number();
    }
  }

  container(isObject: boolean, depth: number, maxDepth: number): boolean {
    const close = isObject ? CLOSE_OBJECT : CLOSE_ARRAY;
    this.i++;
    let c = this.space();
    if (c === close) {
      this.i++;
      return true;
    }
    for (;;) {
      if (isObject) {
        if (c !== QUOTE || !this.string()) return false;
        if (this.space() !== COLON) return false;
        this.i++;
      }
      if (!this.value(depth + 1, maxDepth)) return false;
      c = this.space();
      this.i++;
      if (c === close) return true;
      if (c !== COMMA) return false;
      c = this.space();
    }
  }
}

/** True when `text` is one JSON object on one line, valid and at most `maxDepth` deep (see above). */
export function isObjectLine(text: string, maxDepth: number): boolean {
  const scan = new Scan(text);
  if (scan.space() !== OPEN_OBJECT) return false;
  if (!scan.container(true, 1, maxDepth)) return false;
  return Number.isNaN(scan.space()); // NaN: nothing but spaces after the object
}
