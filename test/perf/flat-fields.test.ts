import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FlatProjector, numberValue, projectFlatObject } from '../../src/engine/fast/flat-fields.js';
import { nestingDepth } from '../../src/engine/codec.js';

const FIELDS_POOL = ['word', 'n', 'a', '__proto__', 'constructor', 'é', 'toString', 'value', ''];

/** The property: whenever a fast path (the general scanner, or the projector with its one-string-field shortcut) answers, JSON.parse agrees on every wanted field. */
function agrees(line: string, fields: string[]): boolean {
  for (const maxDepth of [1, 2, 3]) {
    const nested = projectFlatObject(line, fields, maxDepth);
    // Nothing deeper than --max-depth gets past: parseRecord would refuse it.
    if (nested !== undefined) assert.ok(nestingDepth(line) <= maxDepth, `${line} accepted at --max-depth ${maxDepth}`);
    agreesWith(nested, line, fields);
    agreesWith(new FlatProjector(fields, maxDepth).project(line), line, fields);
  }
  return agreesWith(projectFlatObject(line, fields), line, fields) && agreesWith(new FlatProjector(fields).project(line), line, fields);
}

function agreesWith(fast: Record<string, unknown> | undefined, line: string, fields: string[]): boolean {
  if (fast === undefined) return true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    assert.fail(`fast path accepted invalid JSON: ${line}`);
  }
  assert.ok(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), line);
  for (const f of fields) {
    const has = Object.hasOwn(parsed as object, f);
    assert.equal(Object.hasOwn(fast, f), has, `${line} field ${f}`);
    if (has) assert.deepStrictEqual(fast[f], (parsed as Record<string, unknown>)[f], `${line} field ${f}`);
  }
  assert.deepEqual(Object.keys(fast).sort(), fields.filter((f) => Object.hasOwn(parsed as object, f)).sort());
  return true;
}

const key = fc.oneof(fc.constantFrom(...FIELDS_POOL), fc.string(), fc.fullUnicodeString({ maxLength: 4 }));
const scalar = fc.oneof(
  fc.string(),
  fc.fullUnicodeString(),
  fc.constantFrom('\\', '"', '\n', '\u0000', '\u2028', 'w3f', '\ud83d\ude00'),
  fc.double(),
  fc.integer(),
  fc.constantFrom(-0, 0, 1e21, 5e-324, Number.MAX_SAFE_INTEGER + 2, true, false, null),
);
const value = fc.oneof({ weight: 5, arbitrary: scalar }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
const fieldsArb = fc.uniqueArray(fc.constantFrom(...FIELDS_POOL), { maxLength: 4 });

test('fast field extraction agrees with JSON.parse on random records', () => {
  fc.assert(
    fc.property(fc.dictionary(key, value, { maxKeys: 6 }), fieldsArb, (record, fields) => agrees(JSON.stringify(record), fields)),
    { numRuns: 3000 },
  );
});

test('fast field extraction agrees with JSON.parse on hand-written and number lines', () => {
  const lines = [
    '{"a":1,"a":2}',
    '{"n":1e400}',
    '{"n":-1e400}',
    '{"n":-0}',
    '{"n":12345678901234567890123}',
    '{"n":1.5E-3}',
    '{"n":01}',
    '{"n":1.}',
    '{"n":-}',
    '{"n":.5}',
    '{"n":+1}',
    '{"a":1,}',
    '{"a":1}x',
    ' { "a" : "b" , "n" : 2 } ',
    '{"a":"tab\there"}',
    '{"__proto__":{"x":1}}',
    '{"__proto__":"p","a":1}',
    '{"a":"\\u0041"}',
    '{"a":tru}',
    '{"a":nul}',
    '{"a":[1]}',
    '{}',
    '{ }',
    '{',
    '[]',
    '"a"',
    '{"a":"x"',
    '{"a" 1}',
  ];
  for (const line of lines) for (const fields of [['a'], ['n'], ['a', 'n'], ['__proto__'], []]) agrees(line, fields);
  fc.assert(
    fc.property(fc.stringOf(fc.constantFrom('0', '1', '9', '-', '+', '.', 'e', 'E'), { maxLength: 12 }), (text) => agrees(`{"n":${text}}`, ['n'])),
    { numRuns: 3000 },
  );
});

test('fast field extraction agrees with JSON.parse on mutated lines', () => {
  const alphabet = fc.constantFrom('{', '}', '[', '"', ',', ':', '\\', ' ', '0', '1', '-', 'e', 'a', 't', 'n', 'u', 'l', '\u0001');
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('a', 'n', 'word'), scalar, { maxKeys: 3 }), fc.nat(), alphabet, fc.boolean(), (record, at, ch, insert) => {
      const line = JSON.stringify(record);
      const p = at % (line.length + 1);
      const mutated = insert ? line.slice(0, p) + ch + line.slice(p) : line.slice(0, p) + line.slice(p + 1);
      return agrees(mutated, ['a', 'n', 'word']);
    }),
    { numRuns: 5000 },
  );
});

test('the fast path does answer for the common flat shapes', () => {
  assert.deepEqual(projectFlatObject('{"word":"w3f"}', ['word']), { word: 'w3f' });
  assert.deepEqual(projectFlatObject('{"key":"k1","n":3,"x":true,"y":null,"z":"ünï"}', ['key', 'n']), { key: 'k1', n: 3 });
  assert.deepEqual(projectFlatObject('{"value":"a b"}', []), {});
  assert.equal(projectFlatObject('{"word":"a\\"b"}', ['word']), undefined);
  const windowed = '{"window":{"start":"2026-01-01T00:00:00.000Z","end":"2026-01-01T00:01:00.000Z"},"status":200,"tags":["a]","b"]}';
  assert.deepEqual(projectFlatObject(windowed, ['window', 'status'], 2), JSON.parse(windowed.replace(/,"tags".*/, '}')));
  assert.equal(projectFlatObject(windowed, ['status'], 1), undefined);
  assert.equal(projectFlatObject('{"a":{"b":[1,}},"s":1}', ['s'], 5), undefined);
});

test('the projector answers one-string-field lines as JSON.parse does, short or long, escaped or not', () => {
  const text = fc.oneof(fc.string(), fc.fullUnicodeString(), fc.string({ minLength: 20, maxLength: 60 }), fc.constantFrom('a"b', 'a\\', '\u0001', 'x'.repeat(30) + '"'));
  fc.assert(
    fc.property(fc.constantFrom(...FIELDS_POOL), text, fc.uniqueArray(fc.constantFrom(...FIELDS_POOL), { maxLength: 3 }), (field, v, others) => {
      const line = JSON.stringify({ [field]: v });
      return agrees(line, [...new Set([...others, field])]) && agrees(line.slice(0, -2) + '\\"}', [field]) && agrees(line.replace(':"', ':"\\\\'), [field]);
    }),
    { numRuns: 3000 },
  );
  const p = new FlatProjector(['window', 'value']);
  assert.deepEqual(p.project('{"value":"a b"}'), { value: 'a b' });
  assert.deepEqual(p.project(`{"value":"${'x'.repeat(40)}"}`), { value: 'x'.repeat(40) });
  assert.deepEqual(p.project(`{"value":"${'x'.repeat(40)}\\n"}`), { value: `${'x'.repeat(40)}\n` });
});

/** Lines with one key order and random values, as a stream usually has them: a projector kept across them answers from learned layouts (line-shapes.ts). */
test('a projector that learned line layouts agrees with JSON.parse on later lines of the same and other layouts (issue 12)', () => {
  const keysArb = fc.uniqueArray(fc.oneof(fc.constantFrom(...FIELDS_POOL, 'a.b', '(x)', '\\d', '$'), fc.string({ maxLength: 3 })), { maxLength: 6 });
  const rowsArb = fc.array(fc.array(value, { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 6 });
  const others = fc.array(fc.dictionary(key, value, { maxKeys: 4 }), { maxLength: 3 });
  const twist = fc.constantFrom('', ' ', '\\"', '01', '1.', '"\u0001"', '{"x":{"y":1}}', '[1,[2]]', '{}', 'tru', '1e400', '-0', '"\\u0041"');
  fc.assert(
    fc.property(keysArb, rowsArb, others, fieldsArb, fc.nat(), twist, (keys, rows, more, fields, at, bad) => {
      const lines = rows.map((vals) => `{${keys.map((k, i) => `${JSON.stringify(k)}:${JSON.stringify(vals[i]) ?? 'null'}`).join(',')}}`);
      // The same layout with one value (or a separator) replaced by something a shape must not accept as it is.
      const first = lines[0]!;
      const colon = first.indexOf(':', at % Math.max(1, first.length));
      const twisted = colon < 0 ? first : first.slice(0, colon + 1) + bad + first.slice(colon + 1).replace(/^("[^"]*"|[^,}]*)/, '');
      const stream = [...lines, twisted, ...more.map((r) => JSON.stringify(r)), ...lines, twisted.replace(':', ': ')];
      for (const maxDepth of [1, 2, 3]) {
        const p = new FlatProjector(fields, maxDepth);
        for (const line of stream) {
          const fast = p.project(line);
          if (fast !== undefined) assert.ok(nestingDepth(line) <= maxDepth, `${line} accepted at --max-depth ${maxDepth}`);
          agreesWith(fast, line, fields);
        }
      }
      return true;
    }),
    { numRuns: 2000 },
  );
  const p = new FlatProjector(['status', 'path', 'window'], 2);
  assert.deepEqual(p.project('{"path":"/a","status":200,"ua":"x"}'), { path: '/a', status: 200 });
  assert.deepEqual(p.project('{"path":"/b","status":404,"ua":"y"}'), { path: '/b', status: 404 });
  assert.equal(p.project('{"path":"/b","status":04,"ua":"y"}'), undefined);
  assert.deepEqual(p.project('{"path":"/b\\"\\u0041","status":4,"ua":"y\\n"}'), { path: '/b"A', status: 4 });
  assert.equal(p.project('{"path":"/b\\x","status":4,"ua":"y"}'), undefined);
  assert.deepEqual(p.project('{"path":"/c","status":1,"window":{"start":"s","end":"e"}}'), { path: '/c', status: 1, window: { start: 's', end: 'e' } });
  assert.deepEqual(p.project('{"path":"/c","status":1,"window":{"start":"t","end":"e"}}'), { path: '/c', status: 1, window: { start: 't', end: 'e' } });
});

test('numberValue reads a JSON number as JSON.parse does: integers by their digits, -0, long integers, fractions, exponents', () => {
  const integer = fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 22 }), fc.nat()).map(([negative, digits, seed]) => {
    let text = String(1 + (seed % 9));
    for (let i = 1; i < digits; i++) text += String((seed * 7 + i * 13) % 10);
    return (negative ? '-' : '') + text;
  });
  const number = fc.oneof(integer, fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)), fc.constantFrom('0', '-0', '1e3', '1E+3', '-1.5e-7', '9007199254740993', '999999999999999', '-999999999999999', '1e400'));
  fc.assert(
    fc.property(number, fc.string({ maxLength: 3 }), (text, around) => {
      const s = `${around}${text},`;
      const to = s.length - 1;
      assert.equal(Object.is(numberValue(s, around.length, to), JSON.parse(text)), true, text);
    }),
    { numRuns: 2000 },
  );
});
