import { setFlagsFromString } from 'node:v8';
import type { Batch, Kafka, LogEntry, Message } from 'kafkajs';
import type { OptionSpec } from '../../spec.js';
import { UsageError } from '../../engine/errors.js';
import { PERSIST_MS, PersistentErrors } from './persistent-errors.js';
import type { KafkaSecurity } from './security.js';
import { encodeRecord } from './record-encoder.js';
import { FetchedBatch } from './fetched-batch.js';
import { produceRequestV3 } from './produce-request.js';
import { crc32c } from './crc32c.js';
import { requestFrame } from './request-frame.js';
import { RUN_PLACEHOLDER, runOf } from './record-run.js';
import { pipelinedSendMessages, type KafkajsParts } from './pipelined-sends.js';
import { recordSetDecoder, type Codec, type LegacyMessage } from './record-batches.js';
import { kafkajsLibrary } from './kafkajs-library.js';
import { murmur2 } from '../../engine/murmur2.js';
import { fixPendingCheck } from './pending-check.js';

interface PartitionGrouping {
  topic: string;
  partitionMetadata: unknown[];
  messages: Message[];
  partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: Message }) => number;
}

/**
 * kafkajs 2.2.4 groups a send's messages by partition by copying each
 * partition's array once per message (quadratic: 2,000 messages allocate about
 * 16 MB, and producing 1M records spent half its time collecting that garbage).
 * The same grouping in one pass; it replaces kafkajs's module before kafkajs
 * loads (as record-encoder.ts does for the record encoder).
 */
function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }: PartitionGrouping): Record<number, Message[]> {
  const out: Record<number, Message[]> = {};
  if (partitionMetadata.length === 0) return out;
  if (runOf(messages)) {
    // A run (record-run.ts) is one record batch: it goes whole to the partition the
    // partitioner picks for a keyless message (kafkajs's default: the next in turn),
    // as Java's sticky partitioner sends a batch of keyless records to one partition.
    out[partitioner({ topic, partitionMetadata, message: RUN_PLACEHOLDER })] = messages;
    return out;
  }
  if (partitionMetadata.length === 1 && messages.every((m) => m.partition === undefined || m.partition === null)) {
    // Every partitioner sends these to the one partition: no call per message (kafkajs's
    // default one filters the partition list into a new array for every message).
    out[(partitionMetadata[0] as { partitionId: number }).partitionId] = messages.slice();
    return out;
  }
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (out[partition] ??= []).push(message);
  }
  return out;
}

let loaded: typeof import('kafkajs') | undefined;

/**
 * kafkajs (about 140 modules; kafkajs-library.ts says from where) is loaded when
 * a Kafka connector first needs it, not at every sluice start-up, and only here:
 * the replacements below are then always in place (fetchedBatch() relies on it).
 */
export function kafkajs(): typeof import('kafkajs') {
  if (loaded) return loaded;
  // bin/v8-flags.cjs turns on V8's --optimize-for-size for every stage (a smaller heap). In a
  // Kafka process it cost 45-80% more CPU (consuming 1M records: 1.8 s instead of 1.0 s;
  // docs/PERFORMANCE.md): the throughput of a Kafka connector is worth the bigger heap.
  setFlagsFromString('--no-optimize-for-size');
  const lib = kafkajsLibrary();
  // Same contracts as the modules they replace.
  lib.replace('kafkajs/src/producer/groupMessagesPerPartition', () => groupMessagesPerPartition);
  // The key hash of the default partitioner in 32-bit integers (kafkajs computes it with Long objects:
  // 0.7 s of CPU for 1M keyed records).
  lib.replace('kafkajs/src/producer/partitioners/default/murmur2', () => (key: Buffer | string) => murmur2(Buffer.isBuffer(key) ? key : Buffer.from(String(key))));
  // Several produce requests in flight, in order (pipelined-sends.ts).
  lib.replace('kafkajs/src/producer/sendMessages', () =>
    pipelinedSendMessages({
      groupMessagesPerPartition: groupMessagesPerPartition as KafkajsParts['groupMessagesPerPartition'],
      responseSerializer: lib.module<KafkajsParts['responseSerializer']>('kafkajs/src/producer/responseSerializer'),
      staleMetadata: lib.module<{ staleMetadata: KafkajsParts['staleMetadata'] }>('kafkajs/src/protocol/error').staleMetadata,
      MetadataNotLoaded: lib.module<{ KafkaJSMetadataNotLoaded: KafkajsParts['MetadataNotLoaded'] }>('kafkajs/src/errors').KafkaJSMetadataNotLoaded,
    }),
  );
  lib.replace('kafkajs/src/protocol/recordBatch/record/v0', () => encodeRecord);
  // Fetched records as columns, and the eachBatch batch over them (record-batches.ts, fetched-batch.ts).
  lib.replace('kafkajs/src/protocol/requests/fetch/v4/decodeMessages', () => {
    const { lookupCodecByAttributes } = lib.module<{ lookupCodecByAttributes(a: number): Codec | null }>('kafkajs/src/protocol/message/compression');
    const Decoder = lib.module<new (b: Buffer) => unknown>('kafkajs/src/protocol/decoder');
    const decodeMessageSet = lib.module<(d: unknown, size: number) => Promise<LegacyMessage[]>>('kafkajs/src/protocol/messageSet/decoder');
    return recordSetDecoder({
      codecOf: lookupCodecByAttributes,
      legacy: (records) => decodeMessageSet(new Decoder(records), records.length),
    });
  });
  lib.replace('kafkajs/src/consumer/batch', () => FetchedBatch);
  // Every request framed with one copy of its body (request-frame.ts).
  lib.replace('kafkajs/src/protocol/request', () => requestFrame);
  // Produce requests written in one buffer per partition (produce-request.ts); kafkajs's own encoder for the rest.
  lib.replace('kafkajs/src/protocol/requests/produce/v3/request', (original) => produceRequestV3(original() as Parameters<typeof produceRequestV3>[0], crc32c));
  // No 1 ms timer per connection while no request waits (pending-check.ts).
  fixPendingCheck(lib.module<Parameters<typeof fixPendingCheck>[0]>('kafkajs/src/network/requestQueue'));
  return (loaded = lib.main());
}

/** The eachBatch batch as sluice's FetchedBatch, which kafkajs() always puts in place of kafkajs's. */
export function fetchedBatch(batch: Batch): FetchedBatch {
  if (!(batch instanceof FetchedBatch)) throw new Error('kafkajs was loaded without sluice\'s fetch decoding (src/connectors/kafka/client.ts)');
  return batch;
}

/** --brokers, declared once for the Kafka source and sink. */
export const brokersOption: OptionSpec = {
  name: 'brokers',
  type: 'string',
  placeholder: 'HOST:PORT,...',
  env: 'SLUICE_KAFKA_BROKERS',
  describe: 'kafka: bootstrap brokers',
};

/** Splits --brokers HOST:PORT,HOST:PORT into a list; throws UsageError on nonsense. */
export function parseBrokers(text: unknown, command: string): string[] {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new UsageError(`${command} kafka needs --brokers HOST:PORT,... (or SLUICE_KAFKA_BROKERS)`);
  }
  const brokers = text.split(',').map((b) => b.trim()).filter((b) => b !== '');
  for (const b of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(b)) throw new UsageError(`--brokers: '${b}' is not HOST:PORT`);
  }
  return brokers;
}

export function requireTopic(text: unknown, command: string): string {
  if (typeof text !== 'string' || text === '') throw new UsageError(`${command} kafka needs --topic T`);
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(text)) throw new UsageError(`--topic: '${text}' is not a valid Kafka topic name (letters, digits, '.', '_', '-')`);
  return text;
}

/**
 * A kafkajs client whose log lines (errors only: its INFO chatter would drown
 * stderr) go to the stage's diagnostics as `sluice <command>: kafka: ...`,
 * and only when they persist (PersistentErrors): retried errors that clear are not printed.
 */
export function kafkaClient(brokers: string[], clientId: string, warn: (line: string) => void, command: string, security: KafkaSecurity = {}): Kafka {
  const errors = new PersistentErrors();
  const { Kafka, logLevel } = kafkajs();
  return new Kafka({
    clientId,
    brokers,
    ...security,
    logLevel: logLevel.ERROR,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5_000 },
    logCreator:
      () =>
      ({ log }: LogEntry) => {
        // A rebalance is routine for a group member; kafkajs reports it as an error.
        if (/rebalanc/i.test(log.message) || /rebalanc/i.test(String(log['error'] ?? ''))) return;
        // A fenced producer's call fails to the stage, which decides: a partition transaction
        // whose partition moved drops its batch (routine after a rebalance), any other fails the stage.
        if (/old epoch|fenced/i.test(log.message) || /old epoch|fenced/i.test(String(log['error'] ?? ''))) return;
        const detail = log['error'] ? `: ${String(log['error'])}` : '';
        const line = `sluice ${command}: kafka: ${log.message}${detail}`;
        if (errors.seen(line, performance.now())) warn(`${line} (for ${PERSIST_MS / 1000} s and more)`);
      },
  });
}

/** The key a Kafka partition has in batch positions: `kafka:<topic>:<partition>`. */
export function positionKey(topic: string, partition: number): string {
  return `kafka:${topic}:${partition}`;
}

/** The inverse of positionKey; undefined for positions of other sources. */
export function parsePositionKey(key: string): { topic: string; partition: number } | undefined {
  const m = /^kafka:(.+):(\d+)$/.exec(key);
  return m ? { topic: m[1]!, partition: Number(m[2]) } : undefined;
}

/** Kafka offsets (int64) as JSON: a number while exact, else a decimal string. */
export function offsetJson(offset: string): number | string {
  const n = Number(offset);
  return Number.isSafeInteger(n) ? n : offset;
}

/** Groups `kafka:` positions by topic, as kafkajs's commit calls want them. */
export function kafkaOffsets(positions: Record<string, unknown> | undefined): { topic: string; partition: number; offset: string }[] {
  const out: { topic: string; partition: number; offset: string }[] = [];
  for (const [key, value] of Object.entries(positions ?? {})) {
    const tp = parsePositionKey(key);
    if (tp && (typeof value === 'number' || typeof value === 'string')) out.push({ ...tp, offset: String(value) });
  }
  return out;
}

/** Fails fast with a clear message when `topic` does not exist (kafkajs would retry for half a minute). */
export async function requireExistingTopic(client: Kafka, topic: string, brokers: string[]): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) throw new Error(`topic '${topic}' does not exist; create it first (sluice never creates topics)`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
