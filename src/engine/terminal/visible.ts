/**
 * Data shown to a person (a console table, a chart label, a diagnostic that
 * echoes a bad line) goes through visible() first, here and nowhere else: a
 * value must not be able to move the cursor, retitle the window (OSC), ring
 * the bell, reorder text (bidi overrides) or break a table's rows.
 */

const NAMED: Record<number, string> = { 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };

/**
 * C0 and DEL, C1, the line and paragraph separators, the bidi controls (ALM,
 * LRM, RLM, embeddings and overrides, isolates) and lone surrogates.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeOne(ch: string): string {
  const code = ch.charCodeAt(0);
  return NAMED[code] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** `text` with every control character written as an escape (`\x1b`, `\n`, `\u202e`). */
export function visible(text: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, escapeOne) : text;
}

/** Marks that combine with the character before them, and zero-width characters: no column of their own. */
function zeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    cp === 0x200b ||
    cp === 0x200c ||
    cp === 0x200d ||
    cp === 0xfeff
  );
}

/** East Asian wide and full-width characters and the common emoji blocks: two columns. */
function wide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function columnsOf(cp: number): number {
  return zeroWidth(cp) ? 0 : wide(cp) ? 2 : 1;
}

/** Terminal columns `text` takes (after visible(): no control characters left). */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += columnsOf(ch.codePointAt(0)!);
  return w;
}

/** `text` cut to at most `width` columns, ending in `tail` when cut (Spark's truncate: `abcdefghijklmnopq...`). */
export function cutToWidth(text: string, width: number, tail = '...'): string {
  if (displayWidth(text) <= width) return text;
  const room = width > tail.length ? width - tail.length : width;
  let out = '';
  let w = 0;
  for (const ch of text) {
    const cw = columnsOf(ch.codePointAt(0)!);
    if (w + cw > room) break;
    out += ch;
    w += cw;
  }
  return width > tail.length ? out + tail : out;
}

/** `text` padded with spaces to `width` columns, on the left (right-aligned) or on the right. */
export function padToWidth(text: string, width: number, align: 'left' | 'right'): string {
  const pad = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? pad + text : text + pad;
}
