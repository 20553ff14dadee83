import { lazyBuiltin } from '../../engine/lazy-builtin.js';

const crypto = lazyBuiltin('node:crypto');

/**
 * Directory names for `sink file --partition-by`: `FIELD=VALUE`, where data
 * becomes one path component and nothing more. Percent-encoded: `%`, `/`, `\`,
 * `~` (it marks a hash suffix), control characters, lone UTF-16 surrogates
 * and leading dots, so a value can never be `.`, `..`, hidden, absolute or
 * contain a separator. Distinct values give distinct names (the encoding is
 * reversible; a shortened name ends in a hash of the whole value).
 */

/** Longest directory name in bytes; Linux allows 255 per component. */
export const MAX_NAME_BYTES = 200;
const HASH_CHARS = 16;

const hex = (byte: number) => '%' + byte.toString(16).toUpperCase().padStart(2, '0');

/** The value as text: strings as they are, every other JSON value as its JSON text. */
export function partitionValueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The pieces of the encoded text, one per input code point, so a cut never splits an escape. */
function encodedTokens(text: string): string[] {
  const tokens: string[] = [];
  let leading = true;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const ch = text[i]!;
    if (leading && ch === '.') {
      tokens.push('%2E');
      continue;
    }
    leading = false;
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        tokens.push(text.slice(i, i + 2));
        i++;
        continue;
      }
    }
    if (unit >= 0xd800 && unit <= 0xdfff) {
      // A lone surrogate has no UTF-8 form: escape its three WTF-8 bytes.
      tokens.push(hex(0xe0 | (unit >> 12)) + hex(0x80 | ((unit >> 6) & 0x3f)) + hex(0x80 | (unit & 0x3f)));
    } else if (unit < 0x20 || unit === 0x7f || ch === '%' || ch === '/' || ch === '\\' || ch === '~') {
      tokens.push(hex(unit));
    } else {
      tokens.push(ch);
    }
  }
  return tokens;
}

/** Percent-encodes text into a safe path component (no length cap). */
export function encodeSegment(text: string): string {
  return encodedTokens(text).join('');
}

/**
 * The directory name for one value of `field`: `field=encoded value`, at most
 * MAX_NAME_BYTES bytes. A longer one is cut at a whole character or escape and
 * ends in `~` and a hash of the full encoded value.
 */
export function partitionDirName(field: string, value: unknown): string {
  const prefix = encodeSegment(field) + '=';
  const tokens = encodedTokens(partitionValueText(value));
  const full = prefix + tokens.join('');
  if (Buffer.byteLength(full) <= MAX_NAME_BYTES) return full;
  const hash = crypto().createHash('sha256').update(full).digest('hex').slice(0, HASH_CHARS);
  const budget = MAX_NAME_BYTES - 1 - HASH_CHARS;
  let name = prefix;
  let bytes = Buffer.byteLength(prefix);
  for (const t of tokens) {
    const b = Buffer.byteLength(t);
    if (bytes + b > budget) break;
    name += t;
    bytes += b;
  }
  return `${name}~${hash}`;
}
