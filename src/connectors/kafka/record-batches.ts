// The records of one partition in a fetch response (message format v2),
// decoded into columns instead of kafkajs 2.2.4's object per record: kafkajs
// builds, per record, a Decoder, a buffer view each for the record, key and
// value, an object of headers and three `Long`s, and consuming 1M small
// records spent most of its CPU on them and on collecting them. Here a record
// is a few numbers (its offset, where it starts and where its value lies in
// the batch's buffer); a kafkajs-shaped message is built only when one is
// asked for (fetched-batch.ts). It stands in for kafkajs's
// `protocol/requests/fetch/v4/decodeMessages`, which every fetch version from
// 4 to 11 uses (client.ts).
//
// RecordBatch => BaseOffset:int64 Length:int32 PartitionLeaderEpoch:int32
//   Magic:int8 CRC:uint32 Attributes:int16 LastOffsetDelta:int32
//   BaseTimestamp:int64 MaxTimestamp:int64 ProducerId:int64
//   ProducerEpoch:int16 BaseSequence:int32 Count:int32 Records (compressed
//   as a whole when Attributes says so)
// Record => Length Attributes:int8 TimestampDelta OffsetDelta Key Value
//   [HeaderKey HeaderValue] (lengths and deltas are zigzag varints, -1 = null)

/** kafkajs's decoder as this module uses it. */
export interface FetchDecoder {
  readInt32(): number;
  canReadBytes(n: number): boolean;
  readBytes(n: number): Buffer;
}

export interface Codec {
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** What the decoder needs from kafkajs: its codecs (gzip, or registered ones) and its legacy message-set decoder. */
export interface KafkaCodecs {
  codecOf(attributes: number): Codec | null;
  legacy(records: Buffer): Promise<LegacyMessage[]>;
}

/** A record as kafkajs gives it (eachBatch's batch.messages). */
export interface LegacyMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
  batchContext: BatchContext;
  [field: string]: unknown;
}

/** A record batch's header as kafkajs's messages carry it (`batchContext`). */
export interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
  magicByte: number;
}

interface RecordBatch {
  /** The buffer its records are in: the fetch response's, or the decompressed records. */
  buffer: Buffer;
  baseOffset: bigint;
  baseTimestamp: bigint;
  context: BatchContext;
}

const MAGIC_OFFSET = 16;
const RECORDS_OFFSET = 61;
const TIMESTAMP_TYPE_FLAG = 0x08;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;
const LOG_APPEND_TIME = 1;
const CREATE_TIME = 0;
const CORRUPT = 'a Kafka record batch is corrupt (a record reaches past its end)';

/** A zigzag varint at `at` (up to 64 bits, exact below 2^53); sets `end` to the byte after it. */
class VarintReader {
  end = 0;
  read(buf: Buffer, at: number): number {
    if (!(at >= 0 && at < buf.length)) throw new RangeError(CORRUPT);
    let b = buf[at++]!;
    if (b < 128) {
      this.end = at;
      return b & 1 ? -(b + 1) / 2 : b / 2;
    }
    let u = b & 127;
    let scale = 128;
    for (;;) {
      if (at >= buf.length) throw new RangeError(CORRUPT);
      b = buf[at++]!;
      u += (b & 127) * scale;
      if (b < 128) break;
      scale *= 128;
    }
    this.end = at;
    return u % 2 === 1 ? -(u + 1) / 2 : u / 2;
  }
}

/** The records of one partition's record set, in fetch order. */
export class FetchedRecords {
  readonly batches: RecordBatch[] = [];
  /** Per record: its batch (index into `batches`), absolute offset, start in the batch's buffer, value start and length (-1: null). */
  readonly batchOf: number[] = [];
  readonly offsets: number[] = [];
  readonly starts: number[] = [];
  readonly valueStarts: number[] = [];
  readonly valueLengths: number[] = [];
  /** Set instead of the columns when the broker sent an old message set (magic 0 or 1). */
  legacy: LegacyMessage[] | undefined;

  get length(): number {
    return this.legacy ? this.legacy.length : this.offsets.length;
  }

  /** The record's offset as kafkajs gives it (an exact decimal string). */
  offsetText(i: number): string {
    if (this.legacy) return this.legacy[i]!.offset;
    const n = this.offsets[i]!;
    if (Number.isSafeInteger(n)) return String(n);
    const batch = this.batches[this.batchOf[i]!]!;
    return String(batch.baseOffset + BigInt(this.offsetDeltaOf(i)));
  }

  isControl(i: number): boolean {
    return this.legacy ? this.legacy[i]!.isControlRecord : this.batches[this.batchOf[i]!]!.context.isControlBatch;
  }

  context(i: number): BatchContext {
    return this.legacy ? this.legacy[i]!.batchContext : this.batches[this.batchOf[i]!]!.context;
  }

  /** The value's UTF-8 text, or null; no buffer view is made. */
  valueText(i: number): string | null {
    if (this.legacy) return this.legacy[i]!.value?.toString('utf8') ?? null;
    const length = this.valueLengths[i]!;
    if (length < 0) return null;
    const start = this.valueStarts[i]!;
    return this.batches[this.batchOf[i]!]!.buffer.toString('utf8', start, start + length);
  }

  /** The record as kafkajs's message object (built on demand). */
  message(i: number): LegacyMessage {
    if (this.legacy) return this.legacy[i]!;
    const batch = this.batches[this.batchOf[i]!]!;
    const buf = batch.buffer;
    const v = new VarintReader();
    let at = this.starts[i]!;
    v.read(buf, at); // record length
    at = v.end;
    const attributes = buf.readInt8(at++);
    const timestampDelta = v.read(buf, at);
    at = v.end;
    v.read(buf, at); // offset delta
    at = v.end;
    const key = bytesAt(buf, v, v.end);
    const value = bytesAt(buf, v, v.end);
    const headerCount = v.read(buf, v.end);
    const headers: LegacyMessage['headers'] = {};
    for (let h = 0; h < headerCount; h++) {
      const name = bytesAt(buf, v, v.end)?.toString('utf8') ?? '';
      const hv = bytesAt(buf, v, v.end);
      const had = headers[name];
      headers[name] = had === undefined ? hv : Array.isArray(had) ? [...had, hv] : [had, hv];
    }
    const c = batch.context;
    const timestamp = c.timestampType === LOG_APPEND_TIME && c.maxTimestamp ? c.maxTimestamp : String(batch.baseTimestamp + BigInt(timestampDelta));
    return {
      magicByte: c.magicByte,
      attributes,
      timestamp,
      offset: this.offsetText(i),
      key,
      value,
      headers,
      isControlRecord: c.isControlBatch,
      batchContext: c,
    };
  }

  /** The record's key, or null (an abort marker is told by its key). */
  key(i: number): Buffer | null {
    if (this.legacy) return this.legacy[i]!.key;
    const buf = this.batches[this.batchOf[i]!]!.buffer;
    const v = new VarintReader();
    v.read(buf, this.starts[i]!);
    v.read(buf, v.end + 1); // after the attributes byte: timestamp delta
    v.read(buf, v.end); // offset delta
    return bytesAt(buf, v, v.end);
  }

  private offsetDeltaOf(i: number): number {
    const buf = this.batches[this.batchOf[i]!]!.buffer;
    const v = new VarintReader();
    v.read(buf, this.starts[i]!);
    v.read(buf, v.end + 1);
    return v.read(buf, v.end);
  }

  /** Decodes one record batch at `at` in `buf`; returns the offset after it, or -1 when it is cut off (the fetch's size limit). */
  async addBatch(buf: Buffer, at: number, codecs: KafkaCodecs): Promise<number> {
    if (buf.length - at < RECORDS_OFFSET) return -1;
    const length = buf.readInt32BE(at + 8);
    const end = at + 12 + length;
    if (end > buf.length) return -1;
    const attributes = buf.readInt16BE(at + 21);
    const baseOffset = buf.readBigInt64BE(at);
    const baseTimestamp = buf.readBigInt64BE(at + 27);
    const context: BatchContext = {
      firstOffset: String(baseOffset),
      firstTimestamp: String(baseTimestamp),
      partitionLeaderEpoch: buf.readInt32BE(at + 12),
      inTransaction: (attributes & TRANSACTIONAL_FLAG) !== 0,
      isControlBatch: (attributes & CONTROL_FLAG) !== 0,
      lastOffsetDelta: buf.readInt32BE(at + 23),
      producerId: String(buf.readBigInt64BE(at + 43)),
      producerEpoch: buf.readInt16BE(at + 51),
      firstSequence: buf.readInt32BE(at + 53),
      maxTimestamp: String(buf.readBigInt64BE(at + 35)),
      timestampType: (attributes & TIMESTAMP_TYPE_FLAG) !== 0 ? LOG_APPEND_TIME : CREATE_TIME,
      magicByte: buf.readInt8(at + MAGIC_OFFSET),
    };
    const count = buf.readInt32BE(at + 57);
    const codec = codecs.codecOf(attributes);
    let records = buf;
    let from = at + RECORDS_OFFSET;
    let recordsEnd = end;
    if (codec && count > 0) {
      records = await codec.decompress(buf.subarray(from, end));
      from = 0;
      recordsEnd = records.length;
    }
    const index = this.batches.length;
    this.batches.push({ buffer: records, baseOffset, baseTimestamp, context });
    const base = Number(baseOffset);
    const v = new VarintReader();
    let p = from;
    for (let r = 0; r < count; r++) {
      const recordLength = v.read(records, p);
      const bodyStart = v.end;
      v.read(records, bodyStart + 1); // timestamp delta, after the attributes byte
      const offsetDelta = v.read(records, v.end);
      const keyLength = v.read(records, v.end);
      const valueAt = v.end + Math.max(0, keyLength);
      const valueLength = v.read(records, valueAt);
      this.batchOf.push(index);
      this.offsets.push(base + offsetDelta);
      this.starts.push(p);
      this.valueStarts.push(v.end);
      this.valueLengths.push(valueLength);
      p = bodyStart + recordLength;
      if (!(p <= recordsEnd && v.end + Math.max(0, valueLength) <= p)) throw new RangeError(CORRUPT);
    }
    return end;
  }
}

function bytesAt(buf: Buffer, v: VarintReader, at: number): Buffer | null {
  const length = v.read(buf, at);
  if (length < 0) return null;
  const start = v.end;
  v.end = start + length;
  return buf.subarray(start, start + length);
}

/** kafkajs's decodeMessages(decoder) for fetch versions 4 to 11, returning FetchedRecords. */
export function recordSetDecoder(codecs: KafkaCodecs): (decoder: FetchDecoder) => Promise<FetchedRecords> {
  return async (decoder) => {
    const records = new FetchedRecords();
    const size = decoder.readInt32();
    if (size <= 0 || !decoder.canReadBytes(size)) return records;
    const buf = decoder.readBytes(size);
    if (buf.length <= MAGIC_OFFSET || buf.readInt8(MAGIC_OFFSET) !== 2) {
      // An old message set (magic 0 or 1): kafkajs's own decoder, whose messages are kept as they are.
      records.legacy = await codecs.legacy(buf);
      return records;
    }
    let at = 0;
    for (;;) {
      const next = await records.addBatch(buf, at, codecs);
      if (next < 0) break; // the last batch was cut off by the fetch's size limit
      at = next;
    }
    return records;
  };
}
