import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compilePath } from '../../src/engine/codec.js';
import { FOUND, MemberPath, MISSING } from '../../src/engine/fast/member-path.js';

// reduce-by-key reads a dotted key or aggregate field (`customer.tier`) from
// the JSON text a layout captured for its first name (fast/member-path.ts).
// On any compact JSON value it must find what compilePath() finds in the
// parsed value: nothing in a non-object, the last of a name given twice, a
// name spelled with escapes as the name it spells.

const cases = (n: number) => Math.max(1, Math.round(n * Number(process.env['SLUICE_DIFF_CASES'] ?? 1)));

const NAMES = ['tier', 'a', 'x y', 'é', 'ti"er', '__proto__', ''];
/** A name as JSON.stringify writes it, or with a \u escape (any escape spells the same name). */
const nameText = fc.tuple(fc.constantFrom(...NAMES), fc.boolean()).map(([name, escaped]) => (escaped && name.length > 0 ? `"\\u${name.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(name).slice(2)}` : JSON.stringify(name)));
const scalarText = fc.oneof(
  fc.constantFrom('"gold"', '"a\\"b"', '"\\\\"', '"}"', '","', '"{\\"tier\\":1}"', '""', 'true', 'false', 'null', '0', '-0', '1.5e3', '-12', '123456789012345678'),
  fc.string({ maxLength: 4 }).map((s) => JSON.stringify(s)),
);
const valueText = fc.letrec((tie) => ({
  value: fc.oneof({ maxDepth: 3 }, { weight: 3, arbitrary: scalarText }, { weight: 1, arbitrary: tie('array') }, { weight: 2, arbitrary: tie('object') }),
  array: fc.array(tie('value') as fc.Arbitrary<string>, { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
  // Any names, a name twice now and then.
  object: fc.array(fc.tuple(nameText, tie('value') as fc.Arbitrary<string>), { maxLength: 4 }).map((members) => `{${members.map(([k, v]) => `${k}:${v}`).join(',')}}`),
})).value as fc.Arbitrary<string>;
const path = fc.array(fc.constantFrom(...NAMES.filter((n) => n !== '')), { minLength: 1, maxLength: 3 });

test('MemberPath finds in the text of a value what compilePath finds in the parsed value', () => {
  fc.assert(
    fc.property(valueText, path, (text, names) => {
      const reader = new MemberPath(names);
      const expected = compilePath(['first', ...names].join('.'))({ first: JSON.parse(text) });
      const found = reader.find(text);
      if (expected === undefined) assert.equal(found, MISSING, text);
      else {
        assert.equal(found, FOUND, text);
        assert.deepEqual(JSON.parse(text.slice(reader.from, reader.to)), expected, text);
      }
    }),
    { numRuns: cases(2000) },
  );
});

test('MemberPath: the last of a name given twice, escaped names, values that are not objects', () => {
  const tier = new MemberPath(['tier']);
  const at = (text: string) => (tier.find(text) === FOUND ? text.slice(tier.from, tier.to) : 'missing');
  assert.equal(at('{"id":1,"tier":"gold"}'), '"gold"');
  assert.equal(at('{"tier":"a","x":{"tier":"b"},"tier":"c"}'), '"c"');
  assert.equal(at('{"ti\\u0065r":7}'), '7');
  assert.equal(at('{"tier":{"a":[1,"]"]}}'), '{"a":[1,"]"]}');
  for (const text of ['"tier"', '["tier"]', 'null', '12', '{}', '{"Tier":1}', '{"x":{"tier":1}}']) assert.equal(at(text), 'missing', text);
});
