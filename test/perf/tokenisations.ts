import fc from 'fast-check';

// Generators shared by the token plan's differential tests: the tokenising
// flat map expressions users write (most of them planned, some deliberately
// not: captures, empty matches, other filters) and text that probes them
// (Unicode white space, letters whose case changes length or depends on
// context, JSON escapes, surrogates).

const field = fc.constantFrom('r.value', 'r.line', 'r["value"]');
const caseChange = fc.constantFrom('', '.toLowerCase()', '.toUpperCase()', '.trim()');
const separator = fc.constantFrom(
  '" "', '","', '"\\t"', '", "', '"é"', '"ab"',
  '/\\s+/', '/\\s/', '/ +/', '/[ \\t]+/', '/[\\s,.;]+/', '/\\W+/', '/[^a-z]+/i', '/,/', '/\\d+/', '/./', '/./s', '/[]/', '/[^]/',
  '/\\u00e9+/', '/é/i', '/\\s+/g', '/[ΣA-Z]+/i', '/\\x20/', '/\\//', '/[\\]]+/',
  // Case-sensitive letters: the split runs after the case change.
  '/[^A-Z]+/', '/[^a-z]+/', '/[A-Z]/', '/[a-z]+/', '"a"', '"W"', '/[^A-ZÜ]+/', '/[^a-zA-Z]+/',
  // Not plannable: the expression runs.
  '/(\\s)/', '/\\s*/', '/,\\s*/', '""', '/\\s+/u', '/a|b/',
);
const filter = fc.constantFrom(
  '', '', '.filter((w) => w !== "")', '.filter(w => w.length > 0)', '.filter(Boolean)', '.filter(function (w) { return w != ""; })',
  '.filter((w) => w)', '.filter((w) => w.length)', '.filter((x) => "" !== x)', '.filter((w) => !!w)',
  '.filter((w) => w.length > 2)', '.filter((w) => w.length >= 3)', '.filter((w) => 1 < w.length)', '.filter(function (w) { return w.length > 4; })',
  // Not plannable.
  '.filter((w) => w !== " ")', '.filter((w) => w.length < 3)', '.filter((w, i) => i > 0)', '.filter((Boolean) => Boolean(Boolean))',
);

const splits = fc.tuple(field, caseChange, separator, filter).map(([f, c, s, k]) => `${f}${c}.split(${s})${k}`);

// The words a match finds: `r.F.match(/[a-z]+/g) ?? []` is planned as the split at the other units.
const matched = fc.constantFrom(
  '/[a-z]+/g', '/\\w+/g', '/\\S+/g', '/[a-z]+/gi', '/[^\\s,.;]+/g', '/\\d+/g', '/[a-zà-ÿ]+/g', '/[ΣA-Z]+/gi', '/.+/g', '/[^]+/g', '/é+/gi',
  // Not plannable: the expression runs.
  '/[a-z]/g', '/[a-z]+/', '/[a-z]+/gy', '/[a-z]*/g', '/\\w+/gu', '/(\\w)+/g', '/\\b\\w+\\b/g',
);
const orEmpty = fc.constantFrom(' ?? []', ' || []', '', ' ?? [""]');
const matches = fc.tuple(field, caseChange, matched, orEmpty).map(([f, c, m, e]) => `${f}${c}.match(${m})${e}`);

export const tokenisation = fc.oneof({ weight: 3, arbitrary: splits }, { weight: 1, arbitrary: matches });

const unit = fc.constantFrom(' ', ' ', '\t', '\n', '\u00a0', '\u2028', '\u3000', '\ufeff', 'A', 'a', 'w', 'Z', 'É', 'é', 'İ', 'Σ', 'ß', ',', '.', ';', '"', '\\', '/', ']', '\u0001', '\u007f', '\ud83d\ude00', '\ud800', '1', '-');
export const probeText = fc.oneof({ weight: 4, arbitrary: fc.stringOf(unit, { maxLength: 14 }) }, { weight: 1, arbitrary: fc.fullUnicodeString({ maxLength: 6 }) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) });
