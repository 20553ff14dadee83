import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IsoTimeReader, parseCommonIsoTime, parseCommonIsoTimeAt } from '../../src/engine/fast/iso-time.js';
import { parseIsoTime, parseIsoTimeGeneral } from '../../src/engine/event-time.js';

// The hand-written ISO-8601 parser of the common forms (src/engine/fast/iso-time.ts)
// against the general one and against Date.parse, on random valid and invalid strings.

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const parts = fc.record({
  year: fc.integer({ min: 0, max: 9999 }),
  month: fc.integer({ min: 0, max: 13 }),
  day: fc.integer({ min: 0, max: 32 }),
  hour: fc.integer({ min: 0, max: 24 }),
  minute: fc.integer({ min: 0, max: 60 }),
  second: fc.integer({ min: 0, max: 60 }),
  fraction: fc.stringOf(fc.constantFrom(...'0123456789'), { maxLength: 11 }),
  zone: fc.oneof(fc.constantFrom('Z', ''), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 })).map(([s, h, m]) => `${s}${pad(h, 2)}:${pad(m, 2)}`)),
  dateOnly: fc.boolean(),
});
type Parts = typeof parts extends fc.Arbitrary<infer P> ? P : never;

const canonical = (p: Parts) => {
  const date = `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}`;
  return p.dateOnly ? date : `${date}T${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}${p.fraction ? '.' + p.fraction : ''}${p.zone || 'Z'}`;
};

/** Deletes, inserts or replaces one character: mostly invalid strings near valid ones. */
const mutated = fc.tuple(parts.map(canonical), fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom(...'0912:-+.TZz tx\u0660'.split(''))).map(([s, at, op, c]) => {
  const i = at % (s.length + 1);
  if (op === 'delete') return s.slice(0, i) + s.slice(i + 1);
  if (op === 'insert') return s.slice(0, i) + c + s.slice(i);
  return s.slice(0, i) + c + s.slice(i + 1);
});

/** The other forms logs write: a space or `t` for the `T`, a comma before the fraction, `z`, offsets without a colon or minutes, no zone. */
const logForm = fc.tuple(parts, fc.constantFrom('T', ' ', 't'), fc.constantFrom('.', ','), fc.constantFrom('', 'z', 'Z', '+0100', '-0530', '+05', '-23', '+2400', '+0060', '+01:00')).map(([p, sep, point, zone]) =>
  canonical({ ...p, dateOnly: false, zone: 'Z' }).replace('T', sep).replace('.', point).replace(/Z$/, zone),
);

const anyString = fc.oneof(parts.map(canonical), mutated, logForm, fc.string({ maxLength: 30 }));

test('the log forms of valid times are read by the common-form parser, as the general parser reads them', () => {
  fc.assert(
    fc.property(logForm, (s) => {
      const general = parseIsoTimeGeneral(s);
      if (general === undefined) return;
      assert.equal(parseCommonIsoTime(s), general, s);
    }),
    { numRuns: 20_000 },
  );
  assert.equal(parseCommonIsoTime('2026-11-20 09:59:58.152'), Date.UTC(2026, 10, 20, 9, 59, 58, 152));
  assert.equal(parseCommonIsoTime('2026-11-20T09:59:58+0100'), Date.UTC(2026, 10, 20, 8, 59, 58));
});

test('the common-form parser agrees with the general parser on every string it answers', () => {
  fc.assert(
    fc.property(anyString, (s) => {
      const fast = parseCommonIsoTime(s);
      const general = parseIsoTimeGeneral(s);
      if (fast !== undefined) assert.equal(fast, general, s);
      assert.equal(parseIsoTime(s), general, s);
    }),
    { numRuns: 20_000 },
  );
});

const impossible = (p: Parts) => {
  const days = new Date(Date.UTC(2000, p.month, 0)).getUTCDate();
  const leap = (p.year % 4 === 0 && p.year % 100 !== 0) || p.year % 400 === 0;
  const inMonth = p.month === 2 ? (leap ? 29 : 28) : days;
  // (Date.parse's legacy fallback reads some of these too, e.g. 0001-01-00 as a date in 2000.)
  return p.month < 1 || p.month > 12 || p.day < 1 || p.day > inMonth || (!p.dateOnly && (p.hour === 24 || p.fraction.length > 9));
};

test('the common forms give what Date.parse gives; what Date.parse rejects stays invalid (never epoch 0)', () => {
  fc.assert(
    fc.property(parts, (p) => {
      const s = canonical(p);
      const ours = parseIsoTime(s);
      const js = Date.parse(s);
      if (Number.isNaN(js)) assert.equal(ours, undefined, s);
      else if (ours === undefined) assert.ok(impossible(p), `${s} is a valid time, parsed as ${js}`);
      else {
        assert.equal(ours, js, s);
        assert.equal(parseCommonIsoTime(s), js, `${s}: the common form takes the fast path`);
      }
    }),
    { numRuns: 20_000 },
  );
});

/**
 * The string in the `T` form, for the log forms the parser takes on purpose (a space or `t` for the `T`, `,` before
 * the fraction, `z`, offsets without a colon or minutes): Date.parse reads those through its legacy parser, which
 * rejects years below 100 and reads others as it likes, so it is the judge only of the `T` form.
 */
const asTForm = (s: string) => {
  if (s.length < 11 || !'Tt '.includes(s[10]!)) return s;
  return (s.slice(0, 10) + 'T' + s.slice(11))
    .replace(/^(.{19}),/, '$1.')
    .replace(/z$/, 'Z')
    .replace(/([+-]\d\d)(\d\d)$/, '$1:$2')
    .replace(/(:\d\d(?:\.\d*)?[+-]\d\d)$/, '$1:00');
};

test('mutated strings: invalid for Date.parse (in the T form) stays invalid', () => {
  assert.equal(asTForm('0013-01-01 00:00:00,5+0130'), '0013-01-01T00:00:00.5+01:30');
  assert.equal(asTForm('0013-01-01t00:00:00-05'), '0013-01-01T00:00:00-05:00');
  // Date.parse gives NaN for this one as written (a year below 100 after a space); it is year 13.
  assert.equal(parseCommonIsoTime('0013-01-01 00:00:00.000000000Z'), Date.parse('0013-01-01T00:00:00Z'));
  fc.assert(
    fc.property(mutated, (s) => {
      if (Number.isNaN(Date.parse(asTForm(s)))) assert.equal(parseCommonIsoTime(s), undefined, s);
    }),
    { numRuns: 20_000 },
  );
});

test('leap days of years 0-99 (Date.UTC maps those years to 1900-1999): both parsers follow the proleptic Gregorian calendar', () => {
  for (const [text, valid] of [
    ['0000-02-29T00:00:00Z', true],
    ['0004-02-29T00:00:00Z', true],
    ['0100-02-29T00:00:00Z', false],
    ['0099-02-29T00:00:00Z', false],
  ] as const) {
    const general = parseIsoTimeGeneral(text);
    assert.equal(general, parseCommonIsoTime(text), text);
    assert.equal(general === undefined, !valid, text);
    if (valid) assert.equal(general, Date.parse(text), text);
  }
});

test('IsoTimeReader (the window stage reading a stream of times) gives what parseCommonIsoTimeAt gives, for times that share their minute or not', () => {
  // Times of a few minutes, most of them well formed, with their tails (seconds, fraction, zone) and heads mutated.
  const minuteOf = fc.constantFrom('2026-01-01T00:00', '2026-01-01T00:01', '2025-12-31T23:59', '2026-02-28T23:59', '0000-01-01T00:00');
  const tail = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: 61 }), fc.stringOf(fc.constantFrom(...'0123456789'), { maxLength: 10 }), fc.constantFrom('Z', '+01:30', '-00:45', '+24:00', 'z', '')).map(([s, f, z]) => `:${pad(s, 2)}${f ? '.' + f : ''}${z}`) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((x) => ':' + x) },
  );
  const time = fc.oneof({ weight: 8, arbitrary: fc.tuple(minuteOf, tail).map(([m, t]) => m + t) }, { weight: 2, arbitrary: mutated }, { weight: 1, arbitrary: anyString });
  fc.assert(
    fc.property(fc.array(fc.tuple(time, fc.string({ maxLength: 3 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'))), { minLength: 1, maxLength: 40 }), (times) => {
      const reader = new IsoTimeReader();
      // Each time at some offset of one ASCII text, its bytes at an offset of a larger buffer, as a read holds them.
      const ascii = times.map(([t, gap]) => [t.replace(/[^\x00-\x7f]/g, '?'), gap] as const);
      let text = '';
      const at: [number, number][] = [];
      for (const [t, gap] of ascii) {
        text += gap + '"';
        at.push([text.length, text.length + t.length]);
        text += t + '"\n';
      }
      const base = 5;
      const bytes = Buffer.concat([Buffer.from('xxxxx'), Buffer.from(text, 'latin1')]);
      for (const [from, to] of at) assert.equal(reader.at(text, from, to, bytes, base), parseCommonIsoTimeAt(text, from, to), text.slice(from, to));
    }),
    { numRuns: 5_000 },
  );
});
