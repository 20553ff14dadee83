// pipelined-sends.ts, sluice's stand-in for kafkajs's sendMessages, against a
// fake cluster and broker with kafkajs's own retrier: requests go out in the
// order send() was called, with sequence numbers in that order, the next one
// before the previous one is answered; a failed request is retried with its
// sequence numbers only while no later send has written, else it fails, and so
// does every later send that has not written yet (nothing reordered or skipped).
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

test('a request that fails after a later send wrote is not retried, and later sends that have not written fail', async () => {
  const h = harness();
  const a = h.send(2);
  const b = h.send(2);
  await h.until(() => h.produced.length === 2);
  h.produced[0]!.fail(retriable('connection closed'));
  await assert.rejects(a, /connection closed/);
  h.produced[1]!.answer(); // written before the failure: the broker decides about it
  await b;
  await assert.rejects(h.send(1), /connection closed/, 'a later send fails');
  assert.equal(h.produced.length, 2, 'and writes nothing');
});
