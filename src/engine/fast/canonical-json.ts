import { literalEnd, numberEnd } from './flat-fields.js';

/**
 * Canonical JSON text: exactly what JSON.stringify writes for the value that
 * JSON.parse reads from it, so a fast path may copy it instead of parsing and
 * re-serialising. That means no white space; numbers in their shortest form
 * (no `1.0`, `1e3`, `-0`, leading zeros, or integers beyond 2^53 that do not
 * survive); strings escaped only where JSON.stringify escapes (`\"`, `\\`,
 * `\b`, `\f`, `\n`, `\r`, `\t`, `\u00xx` in lower case for the other
 * controls, `\udxxx` for a lone surrogate, everything else literal); no key
 * twice in one object (JSON.parse keeps the last value at the first place); no
 * all-digit key (an integer key is enumerated first, wherever it stands).
 * `__proto__` is an own key like any other for JSON.parse, spread and
 * JSON.stringify, so it is allowed.
 *
 * The checks are recursive: text nested deeper than MAX_CHECKED_DEPTH is
 * called not canonical, and left to the general path.
 *
 * An object may also be checked in a looser form (a `Form`): as Python's
 * json.dumps writes it by default, canonical but for one space after every
 * `:` and `,` at every level (SPACED), whose offsets the check lists in
 * `gaps`; and with strings and numbers as other writers write them (REWRITES:
 * `"\/"`, `"\u00e9"`, `1.0`, `1e3`), whose extents it lists in `rewrites`,
 * for the caller to write canonically. Keys stay canonical in every form (a
 * key's text is what tells two keys apart). The canonical text is then the
 * text without the gaps, with the rewrites written canonically.
 */
export const MAX_CHECKED_DEPTH = 64;

/**
 * Called for each member of the object a check starts at (not for nested
 * ones) with the offsets of its key (inside the quotes) and value; false makes
 * the object not canonical.
 */
export type MemberCheck = (keyStart: number, keyEnd: number, valueStart: number, valueEnd: number) => boolean;

/** Keys of the objects being checked, innermost last: the starts and (closing quote) ends, up to keyTop. */
const keyStarts: number[] = [];
const keyEnds: number[] = [];
let keyTop = 0;
/** An object with more keys than this looks its keys up in a Set. */
const LINEAR_KEYS = 24;

/**
 * The end of the canonical object at s[i] (`{`), `depth` levels deep at most
 * counting itself, or -1 when it is not canonical in `form`. With
 * SPACED_OR_NOT the object's first `:` says whether it is SPACED. Gaps and
 * rewrites are listed from gapCount and rewriteCount on (clearForms() first).
 */
export function canonicalObjectEnd(s: string, i: number, depth: number, member?: MemberCheck, form: Form = 0): number {
  if (depth < 1 || s.charCodeAt(i) !== 123) return -1;
  let j = i + 1;
  if (s.charCodeAt(j) === 125) return j + 1;
  const base = keyTop;
  let seen: Set<string> | undefined;
  let end = -1;
  for (;;) {
    if (s.charCodeAt(j) !== 34) break;
    const keyStart = j + 1;
    const keyEnd = canonicalStringEnd(s, keyStart);
    if (keyEnd < 0 || s.charCodeAt(keyEnd + 1) !== 58 || isDigitKey(s, keyStart, keyEnd)) break;
    if (seen !== undefined) {
      const key = s.slice(keyStart, keyEnd);
      if (seen.has(key)) break;
      seen.add(key);
    } else {
      if (seenBefore(s, keyStart, keyEnd, base)) break;
      keyStarts[keyTop] = keyStart;
      keyEnds[keyTop++] = keyEnd;
      if (keyTop - base > LINEAR_KEYS) seen = keySet(s, base);
    }
    let valueStart = keyEnd + 2;
    if (form & SPACED_OR_NOT) form = (form & REWRITES) | (s.charCodeAt(valueStart) === 32 ? SPACED : 0);
    if (form & SPACED && !gapAt(s, valueStart++)) break;
    const valueEnd = canonicalValueEnd(s, valueStart, depth - 1, form);
    if (valueEnd < 0 || (member !== undefined && !member(keyStart, keyEnd, valueStart, valueEnd))) break;
    const c = s.charCodeAt(valueEnd);
    if (c === 125) {
      end = valueEnd + 1;
      break;
    }
    if (c !== 44) break;
    j = valueEnd + 1;
    if (form & SPACED && !gapAt(s, j++)) break;
  }
  keyTop = base;
  return end;
}

/** The end of the canonical value at s[i], containers `depth` levels deep at most, or -1. */
export function canonicalValueEnd(s: string, i: number, depth: number, form: Form = 0): number {
  const c = s.charCodeAt(i);
  if (c === 34) {
    const end = canonicalStringEnd(s, i + 1);
    if (end >= 0) return end + 1;
    return form & REWRITES ? rewriteEnd(i, jsonStringEnd(s, i + 1) + 1) : -1;
  }
  if (c === 123) return canonicalObjectEnd(s, i, depth, undefined, form);
  if (c === 91) return canonicalArrayEnd(s, i, depth, form);
  if (c === 116 || c === 102 || c === 110) return literalEnd(s, i);
  const end = canonicalNumberEnd(s, i);
  return end >= 0 || !(form & REWRITES) ? end : rewriteEnd(i, numberEnd(s, i));
}

function canonicalArrayEnd(s: string, i: number, depth: number, form: Form): number {
  if (depth < 1) return -1;
  let j = i + 1;
  if (s.charCodeAt(j) === 93) return j + 1;
  for (;;) {
    j = canonicalValueEnd(s, j, depth - 1, form);
    if (j < 0) return -1;
    const c = s.charCodeAt(j);
    if (c === 93) return j + 1;
    if (c !== 44) return -1;
    j++;
    if (form & SPACED && !gapAt(s, j++)) return -1;
  }
}

/** How a text checked may differ from canonical (bits; see the top of this file). */
export type Form = number;
/** One space after each `:` and `,`, listed in `gaps`. */
export const SPACED = 1;
/** Strings and numbers in other forms, listed in `rewrites`. */
export const REWRITES = 2;
/** SPACED or not, as the object's first member says. */
export const SPACED_OR_NOT = 4;

/** After a check: the offsets of its spaces (SPACED), in order, the first gapCount. */
export const gaps: number[] = [];
export let gapCount = 0;
/** After a check: the extents [start, end) of its values to be rewritten (REWRITES), in order, the first rewriteCount. */
export const rewriteStarts: number[] = [];
export const rewriteEnds: number[] = [];
export let rewriteCount = 0;

/** Starts a check's lists of gaps and rewrites. */
export function clearForms(): void {
  gapCount = 0;
  rewriteCount = 0;
}

/** Lists the value s[start, end) as one to rewrite; gives `end` (-1 when the value is not valid JSON: end 0 or -1). */
function rewriteEnd(start: number, end: number): number {
  if (end <= 0) return -1;
  rewriteStarts[rewriteCount] = start;
  rewriteEnds[rewriteCount++] = end;
  return end;
}

/** The offset of the closing quote of the JSON string (any escapes JSON allows) whose text starts at s[i], or -1. */
function jsonStringEnd(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 34) return i;
    if (c < 32) return -1;
    if (c !== 92) i++;
    else if (s.charCodeAt(i + 1) === 117) {
      if (hex4(s, i + 2, false) < 0) return -1;
      i += 6;
    } else if (SHORT_ESCAPES.includes(s.charCodeAt(i + 1))) i += 2;
    else return -1;
  }
  return -1;
}

/** The characters after a backslash of JSON's short escapes: " \ / b f n r t. */
const SHORT_ESCAPES = [34, 92, 47, 98, 102, 110, 114, 116];

/** Whether s[j] is a space, which is then listed. */
function gapAt(s: string, j: number): boolean {
  if (s.charCodeAt(j) !== 32) return false;
  gaps[gapCount++] = j;
  return true;
}

/** The offset of the closing quote of the canonical string whose text starts at s[i], or -1. */
export function canonicalStringEnd(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c > 92) {
      if (c < 0xd800 || c > 0xdfff) i++;
      // A surrogate is literal only in a pair; JSON.stringify escapes a lone one.
      else if (c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) i += 2;
      else return -1;
    } else if (c === 34) return i;
    else if (c === 92) {
      i = escapeEnd(s, i);
      if (i < 0) return -1;
    } else if (c < 32) return -1;
    else i++;
  }
  return -1;
}

/** The end of the escape at s[i] (a backslash) when JSON.stringify writes it so, or -1. */
function escapeEnd(s: string, i: number): number {
  switch (s.charCodeAt(i + 1)) {
    case 34: // \"
    case 92: // \\
    case 98: // \b
    case 102: // \f
    case 110: // \n
    case 114: // \r
    case 116: // \t
      return i + 2;
    case 117: // \u
      break;
    default:
      return -1;
  }
  const u = hex4(s, i + 2, true);
  if (u < 0) return -1;
  // Controls with a short form (\b \t \n \f \r) are written short.
  if (u < 32) return u === 8 || u === 9 || u === 10 || u === 12 || u === 13 ? -1 : i + 6;
  if (u < 0xd800 || u > 0xdfff) return -1;
  // An escaped high surrogate followed by an escaped low one is a pair, which is written literally.
  // (A literal low one after it, or a literal high one before an escaped low one, is refused as lone by canonicalStringEnd.)
  if (u <= 0xdbff && s.charCodeAt(i + 6) === 92 && s.charCodeAt(i + 7) === 117 && isLowSurrogate(hex4(s, i + 8, false))) return -1;
  return i + 6;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The value of the 4 hex digits at s[i] (lower case only when `lower`), or -1. */
function hex4(s: string, i: number, lower: boolean): number {
  let v = 0;
  for (let k = i; k < i + 4; k++) {
    const c = s.charCodeAt(k);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (!lower && c >= 65 && c <= 70) d = c - 55;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * The end of the number at s[i] when JSON.stringify writes it so, or -1.
 * Integers of at most 15 digits, and decimals of at most 15 digits with no
 * trailing zero and no more than 5 zeros after the point before the first
 * other digit, are their own shortest form (any decimal of at most 15
 * significant digits is the one such decimal that reads as its double, and
 * Number#toString writes these without an exponent). Others are checked
 * against String(Number(token)).
 */
export function canonicalNumberEnd(s: string, i: number): number {
  let j = i;
  if (s.charCodeAt(j) === 45) j++;
  const intStart = j;
  let c = s.charCodeAt(j);
  if (c === 48) j++;
  else if (c >= 49 && c <= 57) {
    do j++;
    while (isDigit(s.charCodeAt(j)));
  } else return -1;
  const intDigits = j - intStart;
  const zeroInt = s.charCodeAt(intStart) === 48;
  c = s.charCodeAt(j);
  if (c === 46) {
    const fracStart = ++j;
    while (isDigit(s.charCodeAt(j))) j++;
    const fracDigits = j - fracStart;
    if (fracDigits > 0 && intDigits + fracDigits <= 15 && s.charCodeAt(j - 1) !== 48 && !isNumberChar(s.charCodeAt(j)) && (!zeroInt || zerosAt(s, fracStart) <= 5)) return j;
  } else if (!isNumberChar(c) && intDigits <= 15 && !(zeroInt && intStart > i)) return j;
  return checkedNumberEnd(s, i);
}

/** canonicalNumberEnd for the other forms: the token is read as a number and written back. */
function checkedNumberEnd(s: string, i: number): number {
  let j = i;
  while (isNumberChar(s.charCodeAt(j))) j++;
  const token = s.slice(i, j);
  const x = Number(token);
  return Number.isFinite(x) && String(x) === token ? j : -1;
}

function zerosAt(s: string, i: number): number {
  let j = i;
  while (s.charCodeAt(j) === 48) j++;
  return j - i;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Digits, sign, point, exponent: what a number token is made of. */
function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69;
}

/** All digits: an integer-like key, which objects enumerate before the others (checked loosely: any length). */
function isDigitKey(s: string, start: number, end: number): boolean {
  if (start === end || !isDigit(s.charCodeAt(start))) return false;
  for (let k = start + 1; k < end; k++) if (!isDigit(s.charCodeAt(k))) return false;
  return true;
}

/** True when the key s[start, end) equals a key of the same object before it (from keyStarts[base] on). */
function seenBefore(s: string, start: number, end: number, base: number): boolean {
  const length = end - start;
  for (let k = base; k < keyTop; k++) {
    const other = keyStarts[k]!;
    if (keyEnds[k]! - other !== length) continue;
    let j = 0;
    while (j < length && s.charCodeAt(start + j) === s.charCodeAt(other + j)) j++;
    if (j === length) return true;
  }
  return false;
}

/** The keys of the object from keyStarts[base] on, as a Set. */
function keySet(s: string, base: number): Set<string> {
  const set = new Set<string>();
  for (let k = base; k < keyTop; k++) set.add(s.slice(keyStarts[k], keyEnds[k]));
  return set;
}
