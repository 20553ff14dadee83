// The record encoder that replaces kafkajs's (record-encoder.ts) must give
// the same bytes for every shape of record kafkajs can be handed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { encodeRecord, type RecordFields } from '../../src/connectors/kafka/record-encoder.js';

const kafkajsRecord = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/record/v0') as (r: RecordFields) => { buffer: Buffer };

test('same bytes as kafkajs 2.2.4 for keys, values, nulls, unicode, headers and large deltas', () => {
  const bytes = fc.oneof(fc.constant(null), fc.string(), fc.fullUnicodeString(), fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)));
  const record = fc.record({
    offsetDelta: fc.nat(100_000),
    timestampDelta: fc.integer({ min: -1e12, max: 1e12 }),
    key: bytes,
    value: fc.oneof(bytes, fc.string({ minLength: 100, maxLength: 400 })),
    headers: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }))),
  });
  fc.assert(
    fc.property(record, (r) => {
      assert.deepEqual(encodeRecord(r).buffer, kafkajsRecord(r).buffer);
    }),
    { numRuns: 2000 },
  );
  const plain = { key: 'k', value: '{"word":"w1","n":1}' };
  assert.deepEqual(encodeRecord(plain).buffer, kafkajsRecord(plain).buffer);
});
