// The fetch decoding that replaces kafkajs's (record-batches.ts, fetched-batch.ts)
// must hand eachBatch what kafkajs 2.2.4's own decodeMessages and Batch would:
// the same messages, offsets and batch answers, for record sets with keys,
// values and headers (null ones too), gzip, transactions (aborted ones and their
// markers), a fetched offset inside a batch, and a last batch cut off by the
// fetch's size limit. kafkajs's modules are required here directly (this test
// never calls client.ts's kafkajs(), which would put the replacements in their place).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { FetchedBatch } from '../../src/connectors/kafka/fetched-batch.js';
import { recordSetDecoder, type Codec, type FetchDecoder, type LegacyMessage } from '../../src/connectors/kafka/record-batches.js';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => FetchDecoder;
const kafkajsDecodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages') as (d: FetchDecoder) => Promise<LegacyMessage[]>;
const KafkajsBatch = require('kafkajs/src/consumer/batch') as new (topic: string, fetchedOffset: string, data: unknown) => KafkajsBatchLike;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch(b: Record<string, unknown>): Promise<{ buffer: Buffer }> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: Record<string, unknown>) => unknown;
const { lookupCodecByAttributes, Types } = require('kafkajs/src/protocol/message/compression') as { lookupCodecByAttributes(a: number): Codec | null; Types: Record<string, number> };
const decodeMessageSet = require('kafkajs/src/protocol/messageSet/decoder') as (d: FetchDecoder, size: number) => Promise<LegacyMessage[]>;

const decodeRecordSet = recordSetDecoder({
  codecOf: lookupCodecByAttributes,
  legacy: (records) => decodeMessageSet(new Decoder(records), records.length),
});

interface KafkajsBatchLike {
  messages: LegacyMessage[];
  isEmpty(): boolean;
  isEmptyIncludingFiltered(): boolean;
  isEmptyDueToFiltering(): boolean;
  isEmptyControlRecord(): boolean;
  isEmptyDueToLogCompactedMessages(): boolean;
  firstOffset(): string | null;
  lastOffset(): string;
  offsetLag(): string;
  offsetLagLow(): string;
}

const CONTROL_FLAG = 0x20;
// kafkajs takes any record whose key is these four bytes for an abort marker, control or not;
// a data record never has it here (sluice only counts a control record's key).
const ABORT_KEY = Buffer.from([0, 0, 0, 0]);

const bytes = fc.oneof(fc.constant(null), fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)));
const dataRecord = fc.record({
  key: bytes.filter((k) => !(Buffer.isBuffer(k) && k.equals(ABORT_KEY))),
  value: bytes,
  headers: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 6 }), fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 3 }))),
  timestampDelta: fc.integer({ min: 0, max: 100_000 }),
});
const batchSpec = fc.record({
  records: fc.array(dataRecord, { minLength: 1, maxLength: 12 }),
  gzip: fc.boolean(),
  producer: fc.constantFrom('-1', '7', '8'),
  transactional: fc.boolean(),
  /** A transactional producer's batch may be its abort (0) or commit (1) marker instead. */
  marker: fc.constantFrom(undefined, undefined, 0, 1),
});

async function encodeBatch(spec: typeof batchSpec extends fc.Arbitrary<infer T> ? T : never, firstOffset: number): Promise<{ buffer: Buffer; count: number }> {
  const control = spec.transactional && spec.marker !== undefined;
  const records = control
    ? [Record({ offsetDelta: 0, timestampDelta: 0, key: Buffer.from([0, 0, 0, spec.marker!]), value: Buffer.from([0, 0, 0, 0, 0, 3]), headers: {} })]
    : spec.records.map((r, i) => Record({ ...r, offsetDelta: i }));
  const encoded = await RecordBatch({
    compression: spec.gzip && !control ? Types['GZIP'] : Types['None'],
    firstOffset: String(firstOffset),
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_100_000,
    lastOffsetDelta: records.length - 1,
    transactional: spec.transactional,
    producerId: spec.producer,
    records,
  });
  const buffer = Buffer.from(encoded.buffer);
  if (control) buffer[22]! |= CONTROL_FLAG; // attributes (int16 at 21): kafkajs cannot write control batches
  return { buffer, count: records.length };
}

test('eachBatch gets the same messages and batch answers as from kafkajs 2.2.4', async () => {
  const fetch = fc.record({
    batches: fc.array(batchSpec, { minLength: 1, maxLength: 5 }),
    base: fc.oneof(fc.nat(1000), fc.constant(2 ** 40)),
    fetchedAt: fc.nat(60),
    cutTail: fc.nat(50),
    aborted: fc.array(fc.nat(4), { maxLength: 2 }),
  });
  await fc.assert(
    fc.asyncProperty(fetch, async (f) => {
      const encoded: Buffer[] = [];
      const firsts: { producerId: string; firstOffset: string }[] = [];
      let offset = f.base;
      for (const spec of f.batches) {
        const { buffer, count } = await encodeBatch(spec, offset);
        if (spec.transactional) firsts.push({ producerId: spec.producer, firstOffset: String(offset) });
        encoded.push(buffer);
        offset += count;
      }
      let set = Buffer.concat(encoded);
      // The fetch's size limit can cut the last batch; both decoders drop the partial batch.
      if (f.cutTail > 0 && encoded.length > 1) set = set.subarray(0, set.length - Math.min(f.cutTail, encoded.at(-1)!.length - 1));
      const response = Buffer.concat([Buffer.alloc(4), set]);
      response.writeInt32BE(set.length, 0);
      const abortedTransactions = [...new Set(f.aborted)].filter((i) => i < firsts.length).sort().map((i) => firsts[i]!);
      const fetchedOffset = String(f.base + f.fetchedAt);
      const partitionData = { partition: 3, highWatermark: String(offset + 2), abortedTransactions };

      const theirs = new KafkajsBatch('t', fetchedOffset, { ...partitionData, messages: await kafkajsDecodeMessages(new Decoder(response)) });
      const ours = new FetchedBatch('t', fetchedOffset, { ...partitionData, messages: await decodeRecordSet(new Decoder(response)) });

      assert.deepEqual([...ours.messages], theirs.messages);
      assert.equal(ours.count, theirs.messages.length);
      for (let k = 0; k < ours.count; k++) {
        const m = theirs.messages[k]!;
        assert.equal(ours.offsetAt(k), Number(m.offset));
        assert.equal(ours.offsetTextAt(k), m.offset);
        assert.equal(ours.valueText(k), m.value === null ? null : m.value.toString('utf8'));
      }
      for (const method of ['isEmpty', 'isEmptyIncludingFiltered', 'isEmptyDueToFiltering', 'isEmptyControlRecord', 'isEmptyDueToLogCompactedMessages', 'firstOffset', 'lastOffset', 'offsetLag', 'offsetLagLow'] as const) {
        assert.equal(ours[method](), theirs[method](), method);
      }
    }),
    { numRuns: 300 },
  );
});

test('batch.messages is built lazily: kafkajs reading its length and last message builds one message', async () => {
  const { buffer } = await encodeBatch({ records: [0, 1, 2, 3].map((i) => ({ key: null, value: `{"n":${i}}`, headers: {}, timestampDelta: i })), gzip: false, producer: '-1', transactional: false, marker: undefined }, 10);
  const response = Buffer.concat([Buffer.alloc(4), buffer]);
  response.writeInt32BE(buffer.length, 0);
  const records = await decodeRecordSet(new Decoder(response));
  const built: number[] = [];
  const message = records.message.bind(records);
  records.message = (i) => (built.push(i), message(i));
  const messages = new FetchedBatch('t', '10', { partition: 0, highWatermark: '14', messages: records }).messages;
  assert.equal(messages.length, 4);
  assert.equal(messages[3]!.offset, '13');
  assert.equal(messages[3], messages[3]);
  assert.deepEqual(built, [3], 'only the message read was built, once');
  assert.ok(Array.isArray(messages) && 2 in messages && !(4 in messages));
  assert.deepEqual(messages.map((m) => m.value!.toString()), ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}']);
  assert.deepEqual(Object.keys(messages), ['0', '1', '2', '3']);
  assert.deepEqual(built.sort(), [0, 1, 2, 3]);
});

test('a record that reaches past its batch fails the fetch with a clear error instead of reading garbage or looping', async () => {
  const { buffer } = await encodeBatch({ records: [{ key: null, value: 'abc', headers: {}, timestampDelta: 0 }], gzip: false, producer: '-1', transactional: false, marker: undefined }, 0);
  buffer[61] = 0x7e; // the record's length (zigzag varint): 63 bytes, past the batch's end
  const response = Buffer.concat([Buffer.alloc(4), buffer]);
  response.writeInt32BE(buffer.length, 0);
  await assert.rejects(decodeRecordSet(new Decoder(response)), /record batch is corrupt/);
});
