// The Produce request encoder that replaces kafkajs's (produce-request.ts) must
// give kafkajs 2.2.4's bytes for every send `sink kafka` makes: keys and values
// as strings, Buffers or null (unicode too), several topics and partitions,
// idempotent and transactional producers. Sends it does not write itself
// (compression, timestamps, headers) must reach kafkajs's encoder unchanged.
// kafkajs's modules are required directly (client.ts's kafkajs() is never called here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { produceRequestV3, type ProduceRequest, type ProduceRequestArgs } from '../../src/connectors/kafka/produce-request.js';
import { crc32c } from '../../src/connectors/kafka/crc32c.js';
import { RecordRun, runMessages } from '../../src/connectors/kafka/record-run.js';

const require = createRequire(import.meta.url);
const kafkajsV3 = require('kafkajs/src/protocol/requests/produce/v3/request') as (args: ProduceRequestArgs) => ProduceRequest;
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer) => number;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: unknown): unknown };
const ours = produceRequestV3(kafkajsV3, crc32c);

test('crc32c: kafkajs\'s checksums for every length and content', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (a) => {
      assert.equal(crc32c(Buffer.from(a)), kafkajsCrc32c(Buffer.from(a)));
    }),
    { numRuns: 3000 },
  );
  const big = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251));
  assert.equal(crc32c(big), kafkajsCrc32c(big));
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283); // the CRC-32C check value
});

async function bytes(request: ProduceRequest): Promise<Buffer> {
  return Buffer.from((await request.encode()).buffer);
}

/** Date.now() fixed while `f` runs: both encoders stamp the batch with it. */
async function atTime<T>(now: number, f: () => Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = () => now;
  try {
    return await f();
  } finally {
    Date.now = real;
  }
}

test('same Produce request bytes as kafkajs 2.2.4 for what sink kafka sends', async () => {
  const text = fc.oneof(fc.string({ maxLength: 30 }), fc.fullUnicodeString({ maxLength: 10 }), fc.string({ minLength: 100, maxLength: 300 }));
  const bytesOf = fc.oneof(text, fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)));
  const message = fc.record({ key: fc.oneof(fc.constant(null), bytesOf), value: fc.oneof(fc.constant(null), bytesOf) });
  const partition = fc.record({ partition: fc.nat(20), firstSequence: fc.nat(1 << 30), messages: fc.array(message, { minLength: 1, maxLength: 200 }) });
  const args = fc.record({
    acks: fc.constantFrom(-1, 1),
    timeout: fc.nat(60_000),
    transactionalId: fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: 20 })),
    producerId: fc.oneof(fc.constant(-1), fc.nat(), fc.nat().map((n) => Long.fromValue(n))),
    producerEpoch: fc.nat(32_000),
    topicData: fc.array(fc.record({ topic: fc.string({ minLength: 1, maxLength: 20 }), partitions: fc.array(partition, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 3 }),
    now: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
  });
  await fc.assert(
    fc.asyncProperty(args, async ({ now, ...a }) => {
      const r = ours(a as ProduceRequestArgs);
      const k = kafkajsV3(a as ProduceRequestArgs);
      assert.deepEqual([r.apiKey, r.apiVersion, r.apiName, r.expectResponse()], [k.apiKey, k.apiVersion, k.apiName, k.expectResponse()]);
      assert.deepEqual(await atTime(now, () => bytes(r)), await atTime(now, () => bytes(k)));
    }),
    { numRuns: 300 },
  );
});

test('a send with compression, a timestamp or headers is kafkajs\'s own request', async () => {
  const base = { acks: -1, timeout: 30_000 };
  const sends: ProduceRequestArgs[] = [
    { ...base, compression: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: null, value: 'v' }] }] }] },
    { ...base, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: null, value: 'v', timestamp: 5 }] }] }] },
    { ...base, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: null, value: 'v', headers: { h: 'x' } }] }] }] },
  ];
  for (const send of sends) {
    const r = ours(send);
    assert.deepEqual(await atTime(1e12, () => bytes(r)), await atTime(1e12, () => bytes(kafkajsV3(send))));
    assert.equal(r.encode.toString(), kafkajsV3(send).encode.toString(), 'kafkajs\'s encode function');
  }
});

test('a record run (sink kafka without --key) is the request kafkajs writes for its messages, and again when re-encoded', async () => {
  const value = fc.oneof(fc.string({ maxLength: 30 }), fc.fullUnicodeString({ maxLength: 10 }), fc.string({ minLength: 60, maxLength: 300 }));
  // Each value added as a string, or as bytes inside a bigger buffer (as a line of a read).
  const record = fc.record({ value, asBytes: fc.boolean(), pad: fc.nat(5) });
  const args = fc.record({
    records: fc.array(record, { minLength: 1, maxLength: 300 }),
    capacity: fc.nat(200),
    transactionalId: fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: 20 })),
    firstSequence: fc.nat(1 << 30),
    now: fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
  });
  await fc.assert(
    fc.asyncProperty(args, async ({ records, capacity, transactionalId, firstSequence, now }) => {
      const run = new RecordRun(capacity);
      for (const { value: v, asBytes, pad } of records) {
        if (!asBytes) run.add(null, v);
        else run.addBytes(Buffer.concat([Buffer.alloc(pad, 120), Buffer.from(v), Buffer.alloc(pad, 121)]), pad, pad + Buffer.byteLength(v));
      }
      const send = (messages: ProduceRequestArgs['topicData'][0]['partitions'][0]['messages']): ProduceRequestArgs => ({
        acks: -1,
        timeout: 30_000,
        transactionalId,
        producerId: 7,
        producerEpoch: 1,
        topicData: [{ topic: 't', partitions: [{ partition: 2, firstSequence, messages }] }],
      });
      const expected = await atTime(now, () => bytes(kafkajsV3(send(records.map((r) => ({ key: null, value: r.value }))))));
      const request = ours(send(runMessages(run)));
      assert.deepEqual(await atTime(now, () => bytes(request)), expected);
      assert.deepEqual(await atTime(now, () => bytes(request)), expected, 'encoded again (a retried request)');
    }),
    { numRuns: 200 },
  );
  // Varints of three bytes (offset deltas past 8,191) and of three bytes for a length (a 70,000-byte value).
  const values = Array.from({ length: 20_000 }, (_, i) => `{"i":${i}}`);
  values.push('x'.repeat(70_000));
  const big = new RecordRun();
  for (const v of values) big.addBytes(Buffer.from(v), 0, v.length);
  const bigSend = (messages: ProduceRequestArgs['topicData'][0]['partitions'][0]['messages']): ProduceRequestArgs => ({ acks: -1, timeout: 1000, producerId: 3, producerEpoch: 0, topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 0, messages }] }] });
  assert.deepEqual(await atTime(1e12, () => bytes(ours(bigSend(runMessages(big))))), await atTime(1e12, () => bytes(kafkajsV3(bigSend(values.map((value) => ({ key: null, value })))))));
  const run = new RecordRun();
  run.add(null, 'v');
  assert.throws(() => ours({ acks: -1, timeout: 1, compression: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: runMessages(run) }] }] }), /compression/);
});
