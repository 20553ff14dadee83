import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { textRecordLine } from '../../src/engine/codec.js';

test('textRecordLine is JSON.stringify({value}) for any string, plain or needing escapes', () => {
  const s = fc.oneof(fc.string(), fc.fullUnicodeString(), fc.constantFrom('"', '\\', '\u2028', '\ud800', 'x\udfff', '\u007f', '\t', '</script>'));
  fc.assert(fc.property(s, (line) => assert.equal(textRecordLine(line), JSON.stringify({ value: line }))), { numRuns: 3000 });
});
