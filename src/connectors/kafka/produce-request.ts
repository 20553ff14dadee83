// A Produce request (versions 3 to 7: kafkajs's v4-v7 requests are its v3
// with another version number) whose record batches are written straight into
// one buffer per partition. It stands in for kafkajs 2.2.4's
// `protocol/requests/produce/v3/request` (client.ts): kafkajs copies every
// message into a new object, encodes each record into a buffer of its own and
// then copies the records again into the batch, and producing 1M small records
// spent most of its CPU there and on the garbage. Same bytes as kafkajs's
// encoder for what `sink kafka` sends (no compression, no per-message
// timestamp, no headers; test/kafka/produce-request.test.ts); any other send
// goes to kafkajs's own encoder unchanged.
//
// Produce Request => transactional_id:NULLABLE_STRING acks:INT16 timeout:INT32
//   [topic:STRING [partition:INT32 record_set:BYTES]]
// record_set: one RecordBatch (magic 2), see record-run.ts for its layout.

import { RecordRun, runOf, type BatchHeader } from './record-run.js';
import { requestEncoded } from './pipelined-sends.js';

export interface OutgoingMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  timestamp?: unknown;
  headers?: Record<string, unknown>;
}

export interface ProduceRequestArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: { topic: string; partitions: { partition: number; firstSequence?: number; messages: OutgoingMessage[] }[] }[];
}

/** What kafkajs's request layer takes from a request: `encode()` gives something with `buf` and `buffer`, as its Encoder has. */
export interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse(): boolean;
  encode(): Promise<{ readonly buf: Buffer; readonly buffer: Buffer; readonly parts?: readonly Buffer[] }>;
}

const PRODUCE_API_KEY = 0;

/** Whether this module writes the send itself (else kafkajs's encoder does). */
function plainSend(args: ProduceRequestArgs): boolean {
  let runs = false;
  let plain = !args.compression;
  for (const { partitions } of args.topicData) {
    for (const { messages } of partitions) {
      if (runOf(messages)) {
        runs = true;
        continue;
      }
      for (const m of messages) {
        if (m.timestamp !== undefined && m.timestamp !== null) plain = false;
        else if (m.headers !== undefined && Object.keys(m.headers).length > 0) plain = false;
        else if (!isBytes(m.key) || !isBytes(m.value)) plain = false;
      }
    }
  }
  // A run's messages are placeholders: kafkajs's encoder would send them.
  if (runs && !plain) throw new Error('a record run cannot be sent with compression, timestamps or headers');
  return plain;
}

function isBytes(v: unknown): boolean {
  return v === null || v === undefined || typeof v === 'string' || Buffer.isBuffer(v);
}

/** producerId as kafkajs hands it (a Long, a string or a number) in 8 bytes. */
function int64(v: unknown): bigint {
  return BigInt(v === undefined ? -1 : String(v));
}

/**
 * One RecordBatch of `messages` (offset deltas from 0, every timestamp
 * `now`), with kafkajs's header values: partition leader epoch 0, base offset 0.
 * A message array that stands for a RecordRun (record-run.ts) is that run's batch.
 */
export function encodeRecordBatch(messages: OutgoingMessage[], header: BatchHeader): Buffer {
  let run = runOf(messages);
  if (!run) {
    run = new RecordRun(messages.length * 16);
    for (const m of messages) run.add(m.key, m.value);
  }
  return run.sealBatch(header);
}

function encodedString(s: string | null): Buffer {
  if (s === null) {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(-1, 0);
    return b;
  }
  const text = Buffer.from(s, 'utf8');
  const b = Buffer.allocUnsafe(2 + text.length);
  b.writeInt16BE(text.length, 0);
  text.copy(b, 2);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}

/**
 * kafkajs's produce v3 request module: `kafkajsV3` is kafkajs's own, which
 * takes every send this module does not write itself.
 */
export function produceRequestV3(kafkajsV3: (args: ProduceRequestArgs) => ProduceRequest, crc32c: (b: Buffer) => number): (args: ProduceRequestArgs) => ProduceRequest {
  return (args) => {
    if (!plainSend(args)) return kafkajsV3(args);
    const { acks, timeout, transactionalId = null, producerEpoch = 0, topicData } = args;
    const producerId = int64(args.producerId);
    return {
      apiKey: PRODUCE_API_KEY,
      apiVersion: 3,
      apiName: 'Produce',
      expectResponse: () => acks !== 0,
      encode: async () => {
        const now = Date.now();
        const head = Buffer.allocUnsafe(6);
        head.writeInt16BE(acks, 0);
        head.writeInt32BE(timeout, 2);
        const parts: Buffer[] = [encodedString(transactionalId), head, int32(topicData.length)];
        for (const { topic, partitions } of topicData) {
          parts.push(encodedString(topic), int32(partitions.length));
          for (const { partition, firstSequence = 0, messages } of partitions) {
            const batch = encodeRecordBatch(messages, { now, producerId, producerEpoch, firstSequence, transactional: !!transactionalId, crc32c });
            parts.push(int32(partition), int32(batch.length), batch);
          }
        }
        requestEncoded(topicData);
        // request-frame.ts copies the parts into the frame; the whole body is made only when asked for.
        let whole: Buffer | undefined;
        return {
          parts,
          get buf() {
            return (whole ??= Buffer.concat(parts));
          },
          get buffer() {
            return (whole ??= Buffer.concat(parts));
          },
        };
      },
    };
  };
}
