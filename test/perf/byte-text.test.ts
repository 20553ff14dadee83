import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { byteText, stringOf, ViewDecoder, viewOf } from '../../src/engine/fast/byte-text.js';

// The byte view of valid UTF-8 and back: any string's view decodes to it,
// the view of its UTF-8 is viewOf() of it, and the decoder that keeps what
// it decoded answers the same for repeated and ever-new values alike.

test('a string viewed as its UTF-8 bytes decodes back to itself', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      const view = byteText(Buffer.from(s), 0, Buffer.byteLength(s));
      assert.equal(view, viewOf(s));
      assert.equal(view.length, Buffer.byteLength(s));
      assert.equal(stringOf(view), s);
    }),
    { numRuns: 500 },
  );
});

test('ViewDecoder gives stringOf of each view, whether seen before or past the values it keeps', () => {
  const decoder = new ViewDecoder();
  const values = Array.from({ length: 10_000 }, (_, i) => `"Stadt-${i}-ü"`);
  for (let round = 0; round < 2; round++) {
    for (const v of values) assert.equal(decoder.stringOf(viewOf(v)), v);
  }
  const ascii = '"plain"';
  assert.equal(decoder.stringOf(ascii), ascii);
});
