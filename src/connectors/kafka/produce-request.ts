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
// record_set: one RecordBatch (magic 2), see record-batches.ts for its layout.

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
  encode(): Promise<{ buf: Buffer; readonly buffer: Buffer }>;
}

const PRODUCE_API_KEY = 0;
const TRANSACTIONAL_FLAG = 0x10;
/** BaseOffset .. Count, before the records. */
const BATCH_HEADER = 61;
const ATTRIBUTES_AT = 21;

function zigzagSize(n: number): number {
  let u = n >= 0 ? n * 2 : -n * 2 - 1;
  let size = 1;
  while (u >= 128) {
    u = Math.floor(u / 128);
    size++;
  }
  return size;
}

function writeZigzag(buf: Buffer, at: number, n: number): number {
  let u = n >= 0 ? n * 2 : -n * 2 - 1;
  while (u >= 128) {
    buf[at++] = (u % 128) | 128;
    u = Math.floor(u / 128);
  }
  buf[at++] = u;
  return at;
}

/**
 * Strings up to this length are measured and copied by a loop while they are
 * ASCII: for short values (a typical record) that is about twice as quick as
 * Buffer.byteLength plus buf.write, whose call costs more than the copy.
 */
const SHORT = 64;

/** The UTF-8 length of a key or value (-1: null). */
export function byteLength(v: Buffer | string | null | undefined): number {
  if (v === null || v === undefined) return -1;
  if (typeof v !== 'string') return v.length;
  if (v.length <= SHORT) {
    let i = 0;
    while (i < v.length && v.charCodeAt(i) < 0x80) i++;
    if (i === v.length) return i;
  }
  return Buffer.byteLength(v, 'utf8');
}

function writeBytes(buf: Buffer, at: number, v: Buffer | string | null | undefined, length: number): number {
  at = writeZigzag(buf, at, length);
  if (length <= 0) return at;
  if (typeof v !== 'string') v!.copy(buf, at);
  else if (length === v.length && length <= SHORT) {
    for (let i = 0; i < length; i++) buf[at + i] = v.charCodeAt(i); // ASCII: one byte per character
  } else buf.write(v, at, length, 'utf8');
  return at + length;
}

/** Whether this module writes the send itself (else kafkajs's encoder does). */
function plainSend(args: ProduceRequestArgs): boolean {
  if (args.compression) return false;
  for (const { partitions } of args.topicData) {
    for (const { messages } of partitions) {
      for (const m of messages) {
        if (m.timestamp !== undefined && m.timestamp !== null) return false;
        if (m.headers !== undefined && Object.keys(m.headers).length > 0) return false;
        if (!isBytes(m.key) || !isBytes(m.value)) return false;
      }
    }
  }
  return true;
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
 */
export function encodeRecordBatch(
  messages: OutgoingMessage[],
  o: { now: number; producerId: bigint; producerEpoch: number; firstSequence: number; transactional: boolean; crc32c(b: Buffer): number },
): Buffer {
  const n = messages.length;
  const keyLengths = new Array<number>(n);
  const valueLengths = new Array<number>(n);
  let size = BATCH_HEADER;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    const k = (keyLengths[i] = byteLength(m.key));
    const v = (valueLengths[i] = byteLength(m.value));
    // attributes, timestamp delta 0, offset delta, key, value, no headers
    const body = 1 + 1 + zigzagSize(i) + zigzagSize(k) + Math.max(0, k) + zigzagSize(v) + Math.max(0, v) + 1;
    size += zigzagSize(body) + body;
  }
  const buf = Buffer.allocUnsafe(size);
  buf.writeBigInt64BE(0n, 0); // base offset: the broker assigns it
  buf.writeInt32BE(size - 12, 8);
  buf.writeInt32BE(0, 12); // partition leader epoch
  buf.writeInt8(2, 16); // magic
  buf.writeInt16BE(o.transactional ? TRANSACTIONAL_FLAG : 0, ATTRIBUTES_AT);
  buf.writeInt32BE(n - 1, 23); // last offset delta
  buf.writeBigInt64BE(BigInt(o.now), 27); // first timestamp
  buf.writeBigInt64BE(BigInt(o.now), 35); // max timestamp
  buf.writeBigInt64BE(o.producerId, 43);
  buf.writeInt16BE(o.producerEpoch, 51);
  buf.writeInt32BE(o.firstSequence, 53);
  buf.writeInt32BE(n, 57);
  let at = BATCH_HEADER;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    const k = keyLengths[i]!;
    const v = valueLengths[i]!;
    const body = 1 + 1 + zigzagSize(i) + zigzagSize(k) + Math.max(0, k) + zigzagSize(v) + Math.max(0, v) + 1;
    at = writeZigzag(buf, at, body);
    buf[at++] = 0; // attributes
    buf[at++] = 0; // timestamp delta
    at = writeZigzag(buf, at, i);
    at = writeBytes(buf, at, m.key, k);
    at = writeBytes(buf, at, m.value, v);
    buf[at++] = 0; // no headers
  }
  buf.writeUInt32BE(o.crc32c(buf.subarray(ATTRIBUTES_AT)), 17);
  return buf;
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
        const buf = Buffer.concat(parts);
        return { buf, buffer: buf };
      },
    };
  };
}
