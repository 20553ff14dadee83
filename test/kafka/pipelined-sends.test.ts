// pipelined-sends.ts, sluice's stand-in for kafkajs's sendMessages, against a
// fake cluster and broker with kafkajs's own retrier: requests go out in the
// order send() was called, with sequence numbers in that order, the next one
// before the previous one is answered; failed requests are written again with
// their sequence numbers, oldest first and one at a time, before any new send
// (as Java's idempotent producer); a gap or exhausted retries fail the send and
// every later one (nothing reordered, skipped or written twice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { pipelinedSendMessages, requestEncoded } from '../../src/connectors/kafka/pipelined-sends.js';

const require = createRequire(import.meta.url);
const createRetry = require('kafkajs/src/retry') as (o: object) => unknown;

interface Produced {
  firstSequence: number;
  count: number;
  answer(): void;
  fail(e: Error): void;
}

function retriable(message: string): Error {
  return Object.assign(new Error(message), { name: 'KafkaJSProtocolError', retriable: true });
}

function harness(o: { slowFirstMetadata?: boolean } = {}) {
  const produced: Produced[] = [];
  const sequences = new Map<string, number>();
  let metadataCalls = 0;
  const broker = {
    nodeId: 1,
    produce: (args: { topicData: { topic: string; partitions: { partition: number; firstSequence: number; messages: unknown[] }[] }[] }) =>
      new Promise((resolve, reject) => {
        const p = args.topicData[0]!.partitions[0]!;
        requestEncoded(args.topicData); // as produce-request.ts does once the request is encoded
        produced.push({ firstSequence: p.firstSequence, count: p.messages.length, answer: () => resolve({ ok: true }), fail: reject });
      }),
  };
  const cluster = {
    refreshMetadataIfNecessary: async () => {
      if (o.slowFirstMetadata && metadataCalls++ === 0) await new Promise((r) => setTimeout(r, 30));
    },
    refreshMetadata: async () => undefined,
    addMultipleTargetTopics: async () => undefined,
    findTopicPartitionMetadata: () => [{ partitionId: 0, leader: 1 }],
    findLeaderForPartitions: (_t: string, partitions: number[]) => ({ '1': partitions }),
    findBroker: async () => broker,
    isConnected: () => true,
    connect: async () => undefined,
    removeBroker: () => undefined,
  };
  const eosManager = {
    isTransactional: () => false,
    getTransactionalId: () => '',
    getProducerId: () => 7,
    getProducerEpoch: () => 0,
    getSequence: (t: string, p: number) => sequences.get(`${t}:${p}`) ?? 0,
    updateSequence: (t: string, p: number, n: number) => void sequences.set(`${t}:${p}`, (sequences.get(`${t}:${p}`) ?? 0) + n),
    addPartitionsToTransaction: async () => undefined,
  };
  const logger = { debug: () => undefined, error: () => undefined };
  const sendMessages = pipelinedSendMessages({
    groupMessagesPerPartition: ({ messages }) => ({ 0: messages }),
    responseSerializer: (r) => [r],
    staleMetadata: () => false,
    MetadataNotLoaded: Error,
  })({ logger, cluster, partitioner: undefined, eosManager, retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 5 }) as never });
  const send = (n: number) => sendMessages({ acks: -1, topicMessages: [{ topic: 't', messages: Array.from({ length: n }, (_, i) => ({ value: String(i) })) }] });
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 500 && !what(); i++) await new Promise((r) => setTimeout(r, 2));
    assert.ok(what(), 'timed out');
  };
  return { produced, send, until };
}

test('sends go out in call order with their sequence numbers, the next before the previous is answered', async () => {
  const h = harness({ slowFirstMetadata: true });
  const a = h.send(3);
  const b = h.send(5);
  const c = h.send(2);
  await h.until(() => h.produced.length === 3);
  assert.deepEqual(h.produced.map((p) => [p.firstSequence, p.count]), [[0, 3], [3, 5], [8, 2]]);
  for (const p of h.produced) p.answer();
  await Promise.all([a, b, c]);
});

test('a failed request is retried with its sequence numbers while no later send has written', async () => {
  const h = harness();
  const a = h.send(4);
  await h.until(() => h.produced.length === 1);
  h.produced[0]!.fail(retriable('NOT_LEADER_OR_FOLLOWER'));
  await h.until(() => h.produced.length === 2);
  assert.deepEqual([h.produced[1]!.firstSequence, h.produced[1]!.count], [0, 4], 'the same numbers again');
  h.produced[1]!.answer();
  await a;
  const b = h.send(1);
  await h.until(() => h.produced.length === 3);
  assert.equal(h.produced[2]!.firstSequence, 4);
  h.produced[2]!.answer();
  await b;
});

function outOfOrder(): Error {
  return Object.assign(new Error('OUT_OF_ORDER_SEQUENCE_NUMBER'), { name: 'KafkaJSProtocolError', type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false });
}

const settleSoon = () => new Promise((r) => setTimeout(r, 20));
const seqs = (h: { produced: Produced[] }) => h.produced.map((p) => [p.firstSequence, p.count]);

test('requests in flight that fail are written again in sequence order, one at a time, and a new send waits for them', async () => {
  const h = harness();
  const a = h.send(2);
  const b = h.send(3);
  const c = h.send(1);
  await h.until(() => h.produced.length === 3);
  h.produced[0]!.fail(retriable('Closed connection'));
  h.produced[1]!.fail(retriable('Closed connection'));
  const d = h.send(4); // comes while the failed ones wait to be written again
  h.produced[2]!.fail(outOfOrder()); // refused behind the failed ones: retried too
  await h.until(() => h.produced.length === 4);
  await settleSoon();
  assert.deepEqual(seqs(h).slice(3), [[0, 2]], 'the oldest first, alone');
  h.produced[3]!.answer();
  await a;
  await h.until(() => h.produced.length === 5);
  await settleSoon();
  assert.equal(h.produced.length, 5, 'the next only after it');
  h.produced[4]!.answer();
  await h.until(() => h.produced.length === 6);
  h.produced[5]!.answer();
  await h.until(() => h.produced.length === 7);
  assert.deepEqual(seqs(h).slice(3), [[0, 2], [2, 3], [5, 1], [6, 4]], 'the same numbers again, then the new send');
  h.produced[6]!.answer();
  await Promise.all([b, c, d]);
});

test('a later send that was acknowledged is not written again; the earlier failed one is (the broker drops it if it has it)', async () => {
  const h = harness();
  const a = h.send(2);
  const b = h.send(2);
  await h.until(() => h.produced.length === 2);
  h.produced[0]!.fail(retriable('Request timed out'));
  h.produced[1]!.answer();
  await b;
  await h.until(() => h.produced.length === 3);
  assert.deepEqual(seqs(h)[2], [0, 2]);
  h.produced[2]!.answer();
  await a;
  const c = h.send(1);
  await h.until(() => h.produced.length === 4);
  assert.deepEqual(seqs(h)[3], [4, 1]);
  h.produced[3]!.answer();
  await c;
});

test('OUT_OF_ORDER_SEQUENCE_NUMBER for the oldest send is a gap: it fails, and later sends fail without writing', async () => {
  const h = harness();
  const a = h.send(2);
  const b = h.send(2);
  await h.until(() => h.produced.length === 2);
  h.produced[0]!.answer();
  await a;
  h.produced[1]!.fail(outOfOrder());
  await assert.rejects(b, /OUT_OF_ORDER/);
  await assert.rejects(h.send(1), /OUT_OF_ORDER/);
  assert.equal(h.produced.length, 2, 'nothing written after it');
});

test('a send whose retries run out fails, and so does every later send', async () => {
  const h = harness();
  const a = h.send(2);
  const b = h.send(2);
  await h.until(() => h.produced.length === 2);
  h.produced[0]!.fail(retriable('Closed connection'));
  h.produced[1]!.fail(retriable('Closed connection'));
  // Every resend of the oldest fails: the retrier's 3 retries, then the send fails.
  for (let n = 3; n <= 6; n++) {
    await h.until(() => h.produced.length === n);
    assert.deepEqual(seqs(h)[n - 1], [0, 2]);
    h.produced[n - 1]!.fail(retriable('Closed connection'));
  }
  await assert.rejects(a, /Closed connection/);
  await assert.rejects(b, /Closed connection/);
  await assert.rejects(h.send(1), /Closed connection/);
  assert.equal(h.produced.length, 6, 'the later send was never written again');
});
