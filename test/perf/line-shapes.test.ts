import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { projectFlatObject } from '../../src/engine/fast/flat-fields.js';
import { LineShapes, numberOf } from '../../src/engine/fast/line-shapes.js';
import { spacedJson } from '../helpers/json-text.js';

// Learned layouts (src/engine/fast/line-shapes.ts), typed or not: a line a
// layout matches, alone (exec) or in place inside a block of lines (recordAt),
// gives each wanted field exactly as JSON.parse does, and raw() its JSON text;
// the two matches agree, and recordAt ends at the line's end.

const FIELDS = ['status', 'path', 'ua', 'n'];
const scalar = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.fullUnicodeString({ maxLength: 3 }),
  fc.constantFrom('\\', '"', '\n', '\u0000', '\u2028', '/p/1', '\ud83d\ude00', '\ud800'),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-0, 1e21, 5e-324, true, false, null),
);
const value = fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) });
const twist = fc.constantFrom('', ' ', '}', '\r', 'x', '{"a":1}', ',"n":1');

test('learned layouts, typed or not, read lines as JSON.parse does, alone and inside a block (issue 12)', () => {
  fc.assert(
    fc.property(
      fc.shuffledSubarray([...FIELDS, 'other', 'ts'], { minLength: 1 }),
      fc.array(fc.tuple(fc.array(value, { minLength: 6, maxLength: 6 }), twist), { minLength: 1, maxLength: 10 }),
      fc.uniqueArray(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      fc.constantFrom(1, 2, 3, 4),
      fc.constantFrom('compact', 'python', 'mixed'),
      (keys, rows, fields, typed, maxDepth, style) => {
        // As JSON.stringify writes it, as Python's json.dumps does (a space after each : and ,), or now one now the other.
        const spaced = (r: number, i: number) => style === 'python' || (style === 'mixed' && (r + i) % 3 === 0);
        const lines = rows.map(([vals, end], r) => `{${keys.map((k, i) => (spaced(r, i) ? `${JSON.stringify(k)}: ${spacedJson(vals[i] ?? null)}` : `${JSON.stringify(k)}:${JSON.stringify(vals[i]) ?? 'null'}`)).join(spaced(r, 0) ? ', ' : ',')}}${end}`);
        const alone = new LineShapes(fields, maxDepth, typed);
        const inBlock = new LineShapes(fields, maxDepth, typed);
        const block = lines.join('\n');
        let at = 0;
        for (const line of lines) {
          const matched = alone.exec(line);
          const inPlace = inBlock.recordAt(block, at);
          assert.equal(inPlace !== undefined, matched, `exec and recordAt disagree on ${line}`);
          if (matched) {
            assert.equal(inBlock.end, at + line.length, line);
            const parsed = JSON.parse(line) as Record<string, unknown>;
            const record = alone.record();
            assert.deepStrictEqual(inPlace, record, line);
            assert.deepEqual(Object.keys(record).sort(), fields.filter((f) => Object.hasOwn(parsed, f)).sort(), line);
            fields.forEach((f, i) => {
              assert.deepStrictEqual(record[f], parsed[f], `${line} field ${f}`);
              const raw = alone.raw(i);
              assert.deepStrictEqual(raw === undefined ? undefined : JSON.parse(raw), parsed[f], `${line} raw ${f}`);
            });
          } else if (projectFlatObject(line, fields, maxDepth) !== undefined) {
            alone.learn(line);
            inBlock.learn(line);
          } else {
            // Escapes the scanner refuses, values nested deeper than it reads: learned once JSON.parse takes the line.
            alone.learnParsed(line);
            inBlock.learnParsed(line);
          }
          at += line.length + 1;
        }
        return true;
      },
    ),
    { numRuns: 1500 },
  );
});

test('a layout learned from a line as Python writes it reads the lines written so, nested values included (issue 12)', () => {
  const safe = fc.array(fc.constantFrom('a', 'z', ' ', 'é', '😀', '/', ':', ','), { maxLength: 6 }).map((cs) => cs.join(''));
  const scalarValue = fc.oneof(safe, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
  const other = fc.oneof(scalarValue, fc.array(scalarValue, { maxLength: 3 }), fc.dictionary(safe, scalarValue, { maxKeys: 3 }));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 100, max: 599 }), safe, other, other), { minLength: 2, maxLength: 6 }), fc.boolean(), (rows, typed) => {
      // A typed shape reads `a` too: a nested value it reads may be written as the line writes it (an untyped one's reader compares its text).
      const fields = typed ? ['status', 'path', 'a'] : ['status', 'path'];
      const shapes = new LineShapes(fields, 3, typed);
      const lines = rows.map(([status, path, a, b]) => spacedJson({ a, status, b, path }));
      for (const line of lines) {
        if (!shapes.exec(line)) {
          assert.notEqual(projectFlatObject(line, fields, 3), undefined);
          shapes.learn(line);
        }
        assert.ok(shapes.exec(line), line);
        const parsed = JSON.parse(line) as Record<string, unknown>;
        assert.deepStrictEqual(shapes.record(), Object.fromEntries(fields.map((f) => [f, parsed[f]])));
      }
    }),
    { numRuns: 500 },
  );
});

test('a typed layout leaves a line with another type in a wanted field to another layout', () => {
  const shapes = new LineShapes(['status'], 1, true);
  shapes.learn('{"status":200,"path":"/a"}');
  assert.ok(shapes.exec('{"status":404,"path":"/b"}'));
  assert.deepStrictEqual(shapes.record(), { status: 404 });
  assert.equal(shapes.exec('{"status":"404","path":"/b"}'), false);
  shapes.learn('{"status":"404","path":"/b"}');
  assert.ok(shapes.exec('{"status":"4\\u0030","path":"/b"}'));
  assert.deepStrictEqual(shapes.record(), { status: '40' });
  assert.equal(shapes.raw(0), '"4\\u0030"');
});

test('a typed number is read as Number() reads its JSON text, for any text of the JSON number grammar', () => {
  const digits = (min: number, max: number) => fc.stringOf(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max });
  const integer = fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), digits(0, 20)).map(([a, b]) => a + b));
  const text = fc
    .tuple(fc.boolean(), integer, fc.option(digits(1, 4)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 3))))
    .map(([minus, int, frac, exp]) => `${minus ? '-' : ''}${int}${frac === null ? '' : '.' + frac}${exp === null ? '' : exp.join('')}`);
  fc.assert(
    fc.property(text, (t) => {
      assert.ok(Object.is(numberOf(t), Number(t)), t);
    }),
    { numRuns: 3000 },
  );
  for (const t of ['-0', '0', '999999999999999', '-999999999999999', '9007199254740993', '1234567890123456', '12345678901234567890', '63602885461655141', '-697118368034091481', '1e2', '-1.5']) {
    assert.ok(Object.is(numberOf(t), Number(t)), t);
  }
});

// The filter's layouts (typed, byte view): lines as the framer hands them when
// a read holds bytes 0x80 and above, one character per byte, with non-ASCII
// keys and values and wanted objects of scalars in changing layouts. A record
// read in place must be JSON.parse's of the decoded line, key order included.
const text = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('gold', 'für Oma', 'é', '😀', '', '\u2028', '\u0080\u00ff') },
  { weight: 1, arbitrary: fc.constantFrom('a"b', 'x\\y', 'ö\nü', '\ud800') },
  { weight: 1, arbitrary: fc.fullUnicodeString({ maxLength: 4 }) },
);
const member = fc.oneof(text, fc.integer({ min: -50, max: 50 }), fc.constantFrom(-0, 0.5, 1e21, true, false, null));
/** An object's JSON text: mostly one of a few layouts (so that layouts learned recur), with any member values. */
const LAYOUTS = [['id', 'tier'], ['tier', 'id'], ['ü', 'tier'], ['__proto__', 'id'], ['1', 'b', 'ké'], ['id', 'id']];
const object = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...LAYOUTS), fc.array(member, { minLength: 3, maxLength: 3 })).map(([ks, vs]) => `{${ks.map((k, i) => `${JSON.stringify(k)}:${JSON.stringify(vs[i])}`).join(',')}}`) },
  { weight: 1, arbitrary: fc.constantFrom('[]', '{}', '{"a":{"b":1}}', '{"a":[1]}', '["ü",1]') },
);
const viewValue = fc.oneof({ weight: 2, arbitrary: member.map((v) => JSON.stringify(v)) }, { weight: 3, arbitrary: object });

test('byte view layouts read non-ASCII lines as JSON.parse reads them decoded, nested objects in key order (issue 12)', () => {
  let objects = 0;
  fc.assert(
    fc.property(
      fc.shuffledSubarray(['customer', 'ké', 'note', '😀', 'qty'], { minLength: 1 }),
      fc.array(fc.tuple(fc.array(viewValue, { minLength: 5, maxLength: 5 }), fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: twist })), { minLength: 1, maxLength: 12 }),
      fc.uniqueArray(fc.constantFrom('customer', 'ké', 'note', '😀'), { minLength: 1, maxLength: 3 }),
      fc.constantFrom(2, 3),
      (keys, rows, fields, maxDepth) => {
        const lines = rows.map(([vals, end]) => {
          const members = keys.map((k, i) => `${JSON.stringify(k)}:${vals[i]}`);
          return `{${members.join(',')}}${end}`;
        });
        const view = Buffer.from(lines.join('\n')).toString('latin1');
        const shapes = new LineShapes(fields, maxDepth, true, true);
        let at = 0;
        for (const line of lines) {
          const lineView = Buffer.from(line).toString('latin1');
          const record = shapes.recordAt(view, at, true);
          if (record !== undefined) {
            assert.equal(shapes.end, at + lineView.length, line);
            const parsed = JSON.parse(line) as Record<string, unknown>;
            assert.deepEqual(Object.keys(record).sort(), fields.filter((f) => Object.hasOwn(parsed, f)).sort(), line);
            for (const f of fields) {
              if (typeof record[f] === 'object' && record[f] !== null && !Array.isArray(record[f])) objects++;
              assert.deepStrictEqual(record[f], parsed[f], `${line} field ${f}`);
              assert.equal(JSON.stringify(record[f]), JSON.stringify(parsed[f]), `${line} field ${f}: key order`);
            }
          } else if (projectFlatObject(line, fields, maxDepth) !== undefined) shapes.learn(lineView);
          at += lineView.length + 1;
        }
        return true;
      },
    ),
    { numRuns: 1500 },
  );
  // The property is about objects read in place: it must have seen many.
  assert.ok(objects > 500, `only ${objects} objects read in place`);
});

test('a spaced line with a value a sluice stage added without spaces (the window) keeps its layout, read or not (issue 12)', () => {
  const line = '{"time": "2026-01-01 00:00:01", "status": 200, "tags": ["a", "b"], "window":{"start":"2026-01-01T00:00:00.000Z","end":"2026-01-01T00:01:00.000Z"}}';
  for (const [fields, typed] of [[['status', 'window'], false], [['status'], false], [['status', 'window', 'tags'], true]] as const) {
    const shapes = new LineShapes(fields, 3, typed);
    shapes.learn(line);
    assert.ok(shapes.exec(line), `${fields} ${typed}`);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.deepStrictEqual(shapes.record(), Object.fromEntries(fields.map((f) => [f, parsed[f]])));
  }
});
