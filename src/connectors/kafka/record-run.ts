// Records written straight into one Kafka record batch (message format v2) as
// they arrive, so a send is a header and a checksum away from its bytes:
// `sink kafka` appends each input line's bytes here, with no string or
// message object per record, and produce-request.ts writes kafkajs's message
// arrays through the same code. The first BATCH_HEADER bytes of the buffer
// are the batch header, written when the batch is sent (sealBatch).
//
// RecordBatch => BaseOffset:INT64 BatchLength:INT32 PartitionLeaderEpoch:INT32
//   Magic:INT8 CRC:UINT32 Attributes:INT16 LastOffsetDelta:INT32
//   FirstTimestamp:INT64 MaxTimestamp:INT64 ProducerId:INT64 ProducerEpoch:INT16
//   BaseSequence:INT32 Records:[Record]   (CRC-32C over Attributes .. the end)
// Record => Length Attributes TimestampDelta OffsetDelta Key Value [Header]
//   (lengths and deltas are zigzag varints; a null key has length -1)

/** BaseOffset .. the record count, before the records. */
export const BATCH_HEADER = 61;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
const TRANSACTIONAL_FLAG = 0x10;

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

/** Bytes of the zigzag varint of n (-1 <= n < 2^31 here: lengths and offset deltas). */
function varintSize(n: number): number {
  const u = n >= 0 ? n * 2 : 1;
  return u < 0x80 ? 1 : u < 0x4000 ? 2 : u < 0x200000 ? 3 : u < 0x10000000 ? 4 : 5;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  // The zigzag value is below 2^32: the unsigned shift keeps every bit.
  let u = n >= 0 ? n * 2 : 1;
  while (u >= 0x80) {
    buf[at++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[at++] = u;
  return at;
}

export interface BatchHeader {
  now: number;
  producerId: bigint;
  producerEpoch: number;
  firstSequence: number;
  transactional: boolean;
  crc32c(b: Buffer): number;
}

/** Records without headers or timestamp deltas (all take the batch's timestamp), offset deltas from 0. */
export class RecordRun {
  private buf: Buffer;
  private at = BATCH_HEADER;
  count = 0;

  /** `reuse`: the storage of a run whose send is over, taken when it has room for `capacity`. */
  constructor(capacity = 4096, reuse?: Buffer) {
    this.buf = reuse !== undefined && reuse.length >= BATCH_HEADER + capacity ? reuse : Buffer.allocUnsafe(BATCH_HEADER + capacity);
  }

  /** The buffer the run writes into (for a later run once this one's send is over). */
  get storage(): Buffer {
    return this.buf;
  }

  /** Bytes of the records so far. */
  get recordBytes(): number {
    return this.at - BATCH_HEADER;
  }

  /** A record with a null key whose value is bytes[from, to). */
  addBytes(bytes: Uint8Array, from: number, to: number): void {
    const v = to - from;
    const at = this.recordHead(-1, v);
    const buf = this.buf;
    if (v <= SHORT) for (let i = 0; i < v; i++) buf[at + i] = bytes[from + i]!;
    else buf.set(bytes.subarray(from, to), at);
    this.at = at + v;
    buf[this.at++] = 0; // no headers
  }

  /** A record of a string or Buffer key (null: none) and value. */
  add(key: Buffer | string | null | undefined, value: Buffer | string | null | undefined): void {
    const k = byteLength(key);
    const v = byteLength(value);
    let at = this.recordHead(k, v);
    if (k >= 0) {
      at = this.writeBytes(at, key!, k);
      at = writeVarint(this.buf, at, v);
    }
    if (v >= 0) at = this.writeBytes(at, value!, v);
    this.buf[at++] = 0; // no headers
    this.at = at;
  }

  /**
   * Writes a record's framing up to its value's bytes, with room for them and
   * the headers count; returns where the value goes. With a key (k >= 0) it
   * stops where the key's bytes go, and the caller writes the key, the value's
   * length and the value.
   */
  private recordHead(k: number, v: number): number {
    const i = this.count++;
    // attributes, timestamp delta 0, offset delta, key, value, no headers
    const body = 2 + varintSize(i) + varintSize(k) + Math.max(0, k) + varintSize(v) + Math.max(0, v) + 1;
    this.room(5 + body);
    const buf = this.buf;
    let at = writeVarint(buf, this.at, body);
    buf[at++] = 0; // attributes
    buf[at++] = 0; // timestamp delta
    at = writeVarint(buf, at, i);
    if (k >= 0) return writeVarint(buf, at, k);
    buf[at++] = 1; // key length -1
    return writeVarint(buf, at, v);
  }

  private writeBytes(at: number, v: Buffer | string, length: number): number {
    const buf = this.buf;
    if (typeof v !== 'string') v.copy(buf, at);
    else if (length === v.length && length <= SHORT) {
      for (let i = 0; i < length; i++) buf[at + i] = v.charCodeAt(i); // ASCII: one byte per character
    } else buf.write(v, at, length, 'utf8');
    return at + length;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  /**
   * The whole record batch: the header written in place (again, when kafkajs
   * encodes a retried request) and the checksum over it. Base offset 0 (the
   * broker assigns it) and partition leader epoch 0, as kafkajs writes them.
   */
  sealBatch(h: BatchHeader): Buffer {
    const buf = this.buf.subarray(0, this.at);
    const now = BigInt(h.now);
    buf.writeBigInt64BE(0n, 0);
    buf.writeInt32BE(buf.length - 12, 8);
    buf.writeInt32BE(0, 12);
    buf.writeInt8(2, 16);
    buf.writeInt16BE(h.transactional ? TRANSACTIONAL_FLAG : 0, ATTRIBUTES_AT);
    buf.writeInt32BE(this.count - 1, 23);
    buf.writeBigInt64BE(now, 27);
    buf.writeBigInt64BE(now, 35);
    buf.writeBigInt64BE(h.producerId, 43);
    buf.writeInt16BE(h.producerEpoch, 51);
    buf.writeInt32BE(h.firstSequence, 53);
    buf.writeInt32BE(this.count, 57);
    buf.writeUInt32BE(h.crc32c(buf.subarray(ATTRIBUTES_AT)), CRC_AT);
    return buf;
  }
}

/**
 * A run handed to kafkajs's producer as a message array of one placeholder
 * (kafkajs's send checks each message); the replaced grouping (client.ts),
 * sends (pipelined-sends.ts, which counts sequence numbers by recordCount) and
 * produce request (produce-request.ts) find the run behind the array here.
 */
const runs = new WeakMap<readonly unknown[], RecordRun>();
export const RUN_PLACEHOLDER = Object.freeze({ key: null, value: '' });

export function runMessages(run: RecordRun): { key: null; value: string }[] {
  const messages = [RUN_PLACEHOLDER];
  runs.set(messages, run);
  return messages;
}

export function runOf(messages: readonly unknown[]): RecordRun | undefined {
  return runs.get(messages);
}

/** The records a message array stands for. */
export function recordCount(messages: readonly unknown[]): number {
  return runs.get(messages)?.count ?? messages.length;
}
