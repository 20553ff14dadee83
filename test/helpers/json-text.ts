import fc from 'fast-check';

/**
 * Random NDJSON object lines written every way JSON allows and then some:
 * nested objects and arrays, strings whose characters are escaped in each
 * form (short, \u in lower and upper case, `\/`, literal where JSON.stringify
 * would escape), surrogate pairs and lone surrogates, numbers in shortest
 * and other forms, integer-like, duplicate and `__proto__` keys at every
 * level, white space, and now and then text that is not JSON at all. For
 * differential tests of fast paths that copy canonical text.
 */

/** Characters with more than one way to be written, or easy to get wrong. */
const CHARS = ['a', 'Z', ' ', '/', 'é', 'für', '😀', '\ud800', '\udc00', '"', '\\', '\b', '\f', '\n', '\r', '\t', '\u0000', '\u001f', '\u007f', '\u2028'];

/** Key names: integer-like ones, __proto__, names spread may collide with, names with escapes. */
const NAMES = ['a', 'b', 'c', 'kb', 'total', '01', '-1', '__proto__', 'x y', 'é', '\n', 'a"b', '', '😀'];
const INTEGER_NAMES = ['0', '7', '4294967294', '4294967295'];
export const keyName = fc.constantFrom(...NAMES, ...INTEGER_NAMES);

const hex = (unit: number, upper: boolean) => {
  const h = unit.toString(16).padStart(4, '0');
  return `\\u${upper ? h.toUpperCase() : h}`;
};

/** One character written as JSON.stringify would, as \u escapes, as `\/`, or literally. */
function charText(ch: string, how: number): string {
  const units = [...Array(ch.length).keys()].map((k) => ch.charCodeAt(k));
  switch (how) {
    case 1:
      return units.map((u) => hex(u, false)).join('');
    case 2:
      return units.map((u) => hex(u, true)).join('');
    case 3:
      return ch === '/' ? '\\/' : ch;
    case 4:
      // Half literal, half escaped: a pair split across forms.
      return ch.length === 2 ? `${ch[0]}${hex(units[1]!, false)}` : ch;
    case 5:
      return ch.length === 2 ? `${hex(units[0]!, false)}${ch[1]}` : ch;
    default:
      return JSON.stringify(ch).slice(1, -1);
  }
}

/** Lines that are mostly canonical (an odd form now and then), or full of odd forms. */
function linesOf(odd: number) {
  /** How a character is written: mostly as JSON.stringify does. */
  const how = fc.oneof({ weight: 100, arbitrary: fc.constant(0) }, { weight: odd, arbitrary: fc.integer({ min: 1, max: 5 }) });
  const stringText = fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...CHARS), fc.string({ maxLength: 3 })), how), { maxLength: 5 })
    .map((parts) => `"${parts.map(([ch, h]) => charText(ch, h)).join('')}"`);
  const name = fc.oneof({ weight: 100, arbitrary: fc.constantFrom(...NAMES) }, { weight: odd, arbitrary: fc.constantFrom(...INTEGER_NAMES) });
  const keyText = fc.tuple(name, how).map(([k, h]) => (h === 0 ? JSON.stringify(k) : `"${[...k].map((ch) => charText(ch, h)).join('')}"`));
  const numberText = fc.oneof(
    { weight: 100, arbitrary: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), fc.integer().map(String), fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.nat(999)).map(([a, b]) => `${a}.${b}`)) },
    {
      weight: odd,
      arbitrary: fc.constantFrom('1.0', '1e3', '-0', '0', '1E2', '0.1', '1e21', '1e+21', '12345678901234567890', '9007199254740993', '1e-7', '0.0000001', '0.000001', '5e-324', '-0.0', '0.10', '00', '01', '1.5e300', '123456789012345', '1234567890123456', '-12.5', '1e400', '.5', '1.', '+1', '0x10', '-'),
    },
  );
  const literalText = fc.oneof({ weight: 100, arbitrary: fc.constantFrom('true', 'false', 'null') }, { weight: odd, arbitrary: fc.constantFrom('tru', 'nul', 'True') });
  /** ':' and ',' with or without a space. */
  const punctuation = fc.oneof({ weight: 100, arbitrary: fc.constant([':', ',']) }, { weight: odd, arbitrary: fc.constantFrom([': ', ','], [':', ', '], [' :', ' ,']) });
  /** Members of an object: a key twice only now and then (as it is often written twice in other forms). */
  const members = (value: fc.Arbitrary<string>) =>
    fc.oneof(
      { weight: 100, arbitrary: fc.uniqueArray(fc.tuple(keyText, value), { maxLength: 5, selector: ([k]) => k }) },
      { weight: odd, arbitrary: fc.array(fc.tuple(keyText, value), { maxLength: 5 }) },
    );
  const tree = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 4 },
    { weight: 4, arbitrary: stringText },
    { weight: 3, arbitrary: numberText },
    { weight: 1, arbitrary: literalText },
    { weight: 1, arbitrary: tie('array') },
    { weight: 2, arbitrary: tie('object') },
  ),
  array: fc.tuple(fc.array(tie('value') as fc.Arbitrary<string>, { maxLength: 3 }), punctuation).map(([items, [, comma]]) => `[${items.join(comma)}]`),
  object: fc.tuple(members(tie('value') as fc.Arbitrary<string>), punctuation).map(([members, [colon, comma]]) => `{${members.map(([k, v]) => `${k}${colon}${v}`).join(comma)}}`),
  }));
  return tree.object as fc.Arbitrary<string>;
}

/** An object line; now and then with white space around it, or cut, or followed by more. */
export const jsonLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: linesOf(1) },
  { weight: 10, arbitrary: fc.constant(null).chain(() => nearlyCanonicalLine) },
  { weight: 10, arbitrary: linesOf(15) },
  { weight: 1, arbitrary: linesOf(5).chain((o) => fc.constantFrom(` ${o}`, `${o} `, `${o}x`, o.slice(0, -1), `${o}}`)) },
);

/** Values a map may add. */
export const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('"', '\\', '\n', '\u2028', '😀', '\ud800'), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(-0, 1e21, 1e-7));

/**
 * Edits that keep a line valid JSON but, where they apply, make canonical
 * text not canonical (or change what a key means): each one finds its
 * places with a pattern and edits one of them.
 */
const FLAWS: [RegExp, (m: string, ...groups: string[]) => string][] = [
  [/\//g, () => '\\/'],
  [/\\n/g, () => '\\u000a'],
  [/\\"/g, () => '\\u0022'],
  [/é/g, () => '\\u00e9'],
  [/😀/g, () => '\\ud83d\\ude00'],
  [/\\u00(1f|00)/g, (_m, h) => `\\u00${h!.toUpperCase()}`],
  [/:(-?\d+)([,}\]])/g, (_m, n, end) => `:${n}.0${end}`],
  [/:0([,}\]])/g, (_m, end) => `:-0${end}`],
  [/[:,]/g, (m) => `${m} `],
  // A key written twice in a nested object (a first value, then the line's own), or an integer key in it.
  [/([:[,]\{)("(?:[^"\\]|\\.)*":)/g, (_m, open, key) => `${open}${key}0,${key}`],
  [/([:[,]\{)/g, (_m, open) => `${open}"5":0,`],
  [/^\{("(?:[^"\\]|\\.)*":)/g, (_m, key) => `{${key}1,${key}`],
];

/** A canonical line with one flaw (see FLAWS), where the flaw finds a place. */
export const nearlyCanonicalLine: fc.Arbitrary<string> = fc.tuple(linesOf(0), fc.nat(FLAWS.length - 1), fc.nat()).map(([line, f, at]) => {
  const [pattern, edit] = FLAWS[f]!;
  const places = [...line.matchAll(pattern)];
  if (places.length === 0) return line;
  const place = places[at % places.length]!;
  return line.slice(0, place.index) + edit(place[0], ...place.slice(1)) + line.slice(place.index! + place[0].length);
});

/** How writtenJson writes: a space after each `:` and `,`, non-ASCII as `\uxxxx`, `/` as `\/`, integral numbers as `1.0`. */
interface Writer {
  spaced?: boolean;
  asciiOnly?: boolean;
  slashEscaped?: boolean;
  integralAsFloat?: boolean;
}

/** A value written as `w` says (undefined members left out, as JSON.stringify does); keys as JSON.stringify writes them. */
function writtenJson(value: unknown, w: Writer): string {
  const [colon, comma] = w.spaced ? [': ', ', '] : [':', ','];
  if (Array.isArray(value)) return `[${value.map((v) => writtenJson(v === undefined ? null : v, w)).join(comma)}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}${colon}${writtenJson(v, w)}`)
      .join(comma)}}`;
  }
  if (w.integralAsFloat && typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 1e15) return `${value}.0`;
  let text = JSON.stringify(value);
  if (typeof value !== 'string') return text;
  if (w.asciiOnly) text = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return w.slashEscaped ? text.replace(/\//g, '\\/') : text;
}

/** A value as Python's json.dumps writes it by default: JSON.stringify's text with one space after each `:` and `,` (undefined members left out, as JSON.stringify does). */
export function spacedJson(value: unknown): string {
  return writtenJson(value, { spaced: true });
}

/**
 * A value as other writers write it, compact: characters beyond ASCII as
 * `\uxxxx` (Python's json.dumps by default), `/` as `\/` (PHP's
 * json_encode), integral numbers as `1.0` (a float in Python). Keys as
 * JSON.stringify writes them.
 */
export function otherWriterJson(value: unknown): string {
  return writtenJson(value, { asciiOnly: true, slashEscaped: true, integralAsFloat: true });
}
