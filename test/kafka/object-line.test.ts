// The scan that lets source kafka forward a JSON object payload without
// parsing it must never accept what JSON.parse rejects (a broken line would
// reach the next stage), nor a line break, nor nesting beyond --max-depth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isObjectLine } from '../../src/connectors/kafka/object-line.js';
import { nestingDepth } from '../../src/engine/codec.js';
import { LineShapes } from '../../src/engine/fast/line-shapes.js';
import { payloadRecord } from '../../src/connectors/kafka/payload.js';

/** What the scan must answer: JSON.parse accepts it, an object, one line, not too deep. */
function oracle(text: string, maxDepth: number): boolean {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return false;
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !/[\r\n]/.test(text) && nestingDepth(text) <= maxDepth;
}

test('accepts one-line JSON objects and rejects everything JSON.parse rejects', () => {
  const yes = ['{}', ' {"a":1} ', '{"a":[1,2.5e-3,-0,true,false,null,{"b":"\\u00e9\\n\\"x"}]}', '{"k":"é 😀","":{}}', '{"n":12345678901234567890}', '{\t"a" : 1\t}'];
  const no = ['', '[]', '"x"', '42', 'null', '{', '{"a":1', '{"a":1}}', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":1e}', '{"a":+1}', "{'a':1}", '{"a":1,}', '{,}',
    '{"a":tru}', '{"a":"\\x"}', '{"a":"\\u12g4"}', '{"a":"tab\there"}', '{"a":\n1}', '{"a":1}\r', '{"a":NaN}', '{"a":1} x', '\ufeff{"a":1}', '{a:1}', '{"a" 1}'];
  for (const t of yes) assert.equal(isObjectLine(t, 100), true, t);
  for (const t of no) assert.equal(isObjectLine(t, 100), false, JSON.stringify(t));
});

test('nesting: depth counts the top-level object as 1, as --max-depth does', () => {
  assert.equal(isObjectLine('{"a":{"b":[1]}}', 3), true);
  assert.equal(isObjectLine('{"a":{"b":[1]}}', 2), false);
});

test('agrees with JSON.parse on random JSON and on random mutations of it', () => {
  const json = fc.json({ depthSize: 'small' });
  fc.assert(
    fc.property(json, fc.nat(6), (text, depth) => {
      const maxDepth = depth + 1;
      assert.equal(isObjectLine(text, maxDepth), oracle(text, maxDepth), text);
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.object().map((o) => JSON.stringify(o)), fc.nat(), fc.string({ maxLength: 3 }), fc.boolean(), (text, at, piece, cut) => {
      const i = at % (text.length + 1);
      const mutated = cut ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + piece + text.slice(i);
      assert.equal(isObjectLine(mutated, 50), oracle(mutated, 50), mutated);
    }),
    { numRuns: 5000 },
  );
});

test('payloads of a layout seen before (LineShapes) are forwarded exactly when the scan alone would forward them', () => {
  // Lines sharing layouts: the same keys with other values, mutated copies, other depths.
  const object = fc.oneof(fc.object({ maxDepth: 2 }), fc.record({ word: fc.string(), n: fc.oneof(fc.integer(), fc.double(), fc.constant(null)) }));
  const line = fc.tuple(object, fc.nat(), fc.string({ maxLength: 2 }), fc.nat(3)).map(([o, at, piece, how]) => {
    const text = JSON.stringify(o);
    const i = at % (text.length + 1);
    return how === 0 ? text.slice(0, i) + piece + text.slice(i) : how === 1 ? text.slice(0, i) + text.slice(i + 1) : text;
  });
  fc.assert(
    fc.property(fc.array(line, { maxLength: 30 }), fc.nat(3), (lines, depth) => {
      const maxDepth = depth + 1;
      const shapes = new LineShapes([], maxDepth);
      for (const text of [...lines, ...lines]) {
        assert.deepEqual(payloadRecord(text, maxDepth, true, shapes), payloadRecord(text, maxDepth, true), text);
      }
    }),
    { numRuns: 1500 },
  );
});
