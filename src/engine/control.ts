import { lazyBuiltin } from './lazy-builtin.js';
import { badAckPath } from './ack/ack-dir.js';

const crypto = lazyBuiltin('node:crypto');

/**
 * In-band control records (protocol version 2). Each is one NDJSON line whose only
 * top-level key is CONTROL_KEY and which carries the stream's token, e.g.
 *   {"__sluice":{"v":2,"token":"9f3c...","type":"batch","id":3,"start":1767225600000,"end":1767225601000}}
 * Times are epoch milliseconds. docs/ARCHITECTURE.md ("The stream contract")
 * says who may emit what; protocol-reader.ts decides what a stage accepts.
 */
export const CONTROL_KEY = '__sluice';
export const PROTOCOL_VERSION = 2;
/** Every control line sluice writes starts with exactly these bytes; no data line it writes does (see NdjsonWriter). */
export const CONTROL_PREFIX = `{"${CONTROL_KEY}":`;

/** Source positions a batch covers, keyed by source id (file path, topic-partition, ...). */
export type Positions = Record<string, unknown>;

export type Control =
  | {
      type: 'start';
      /** Random per stream, chosen by its source; every later control record of the stream carries it. */
      token: string;
      /** Batch interval of the source, ms. */
      interval: number;
      /** True when the source is bounded (a file, not followed). */
      bounded: boolean;
      /** Last batch id committed by the sink in a previous run; stateful stages restore the state as of it. */
      resumeAfter?: number;
      /** Start of the first batch (epoch ms), so processing-time stages can place records before its boundary arrives. */
      firstBatchStart?: number;
      /** The source's acknowledgement directory (src/engine/ack/): the terminal sink records there which batches it made durable. */
      ack?: string;
    }
  | { type: 'batch'; id: number; start: number; end: number; positions?: Positions }
  | { type: 'watermark'; t: number }
  /** End of input: flush everything (windows, sessions, state); comes before the stream's last batch. */
  | { type: 'end' }
  | { type: 'eos' }
  /** The stage that wrote it failed and has said why; the stages after it end with status 1 without a second message. Never forwarded to a sink's output. */
  | { type: 'failed' }
  /** A Kafka source's partitions of `topic` from now on (partition state, issue 14.3): stateful stages drop the state of partitions not listed. */
  | { type: 'assign'; topic: string; partitions: number[]; member?: string }
  /** The data records after it, up to the next `part` or `assign`, come from this partition of the assigned topic. */
  | { type: 'part'; partition: number }
  /** From the source: state of `stage` for `partition` read back from the changelog, before any record of the partition. */
  | { type: 'restore'; partition: number; stage: string; offset: KafkaOffset; state: Record<string, unknown> }
  /** From a stateful stage at a batch boundary: its state for `partition` as of `offset` (the partition's position), for a changelog sink. */
  | { type: 'state'; partition: number; stage: string; offset: KafkaOffset; state: Record<string, unknown> };

/** A Kafka offset as positions carry it: a number, or a decimal string beyond 2^53. */
export type KafkaOffset = number | string;

export type ControlOf<T extends Control['type']> = Extract<Control, { type: T }>;

/** A fresh stream token: 16 random bytes as hex. */
export function newStreamToken(): string {
  return crypto().randomBytes(16).toString('hex');
}

/** The line of a control record of the stream whose token is `token`. */
export function encodeControl(c: Control, token: string): string {
  return `${CONTROL_PREFIX}${JSON.stringify({ v: PROTOCOL_VERSION, ...c, token })}}`;
}

/**
 * True when a line would be taken for a control line. Every object line starts
 * with `{"`, so the third character (`_`, rare as a key's first letter) is
 * looked at before the whole prefix: one comparison per record on the hot path.
 */
export function looksLikeControl(line: string): boolean {
  return line.charCodeAt(2) === 95 /* _ */ && line.startsWith(CONTROL_PREFIX);
}

const CONTROL_PREFIX_BYTES = Buffer.from(CONTROL_PREFIX);

/** looksLikeControl for the line of `length` bytes (its line end not counted) at bytes[pos]. */
export function bytesLookLikeControl(bytes: Buffer, pos: number, length: number): boolean {
  const n = CONTROL_PREFIX_BYTES.length;
  return bytes[pos + 2] === 95 && length >= n && bytes.compare(CONTROL_PREFIX_BYTES, 0, n, pos, pos + n) === 0;
}

export class ControlRecordError extends Error {
  override name = 'ControlRecordError';
}

const TYPES = new Set(['start', 'batch', 'watermark', 'end', 'eos', 'failed', 'assign', 'part', 'restore', 'state']);
/** Kafka's rule for topic names. */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
/** A stateful stage's name (its changelog key). */
export const STAGE_NAME = /^[a-zA-Z0-9._-]{1,64}$/;
const MAX_PARTITIONS = 100_000;
const TOKEN = /^[0-9A-Za-z_-]{16,128}$/;

const isSafeId = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isOffset = (x: unknown): x is KafkaOffset => isSafeId(x) || (typeof x === 'string' && /^[0-9]{1,19}$/.test(x));
const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === 'object' && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;

/**
 * The body of a control-shaped line (`{"__sluice": body}` and nothing else), or
 * undefined when the line is not one (not JSON, other keys, body not an object).
 */
export function controlBody(line: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isPlainObject(parsed)) return undefined;
  const keys = Object.keys(parsed);
  if (keys.length !== 1 || keys[0] !== CONTROL_KEY) return undefined;
  const body = parsed[CONTROL_KEY];
  return isPlainObject(body) ? body : undefined;
}

/**
 * Checks every field of a control record's body before anything uses it and
 * returns the record without `v` and `token` (which `start` keeps). Throws
 * ControlRecordError naming the first bad field.
 */
export function validateControl(body: Record<string, unknown>): Control {
  if (body['v'] !== PROTOCOL_VERSION) throw new ControlRecordError(`protocol version ${JSON.stringify(body['v'])}; this sluice speaks version ${PROTOCOL_VERSION}`);
  const type = body['type'];
  if (typeof type !== 'string' || !TYPES.has(type)) throw new ControlRecordError(`unknown type ${JSON.stringify(type)}`);
  if (typeof body['token'] !== 'string' || !TOKEN.test(body['token'])) throw new ControlRecordError(`token ${JSON.stringify(body['token'])} is not 16 to 128 letters, digits, '_' or '-'`);
  const bad = (field: string, what: string) => new ControlRecordError(`${type}: ${field} ${JSON.stringify(body[field])} is not ${what}`);
  switch (type) {
    case 'start': {
      if (!isTime(body['interval']) || body['interval'] <= 0) throw bad('interval', 'a positive number of milliseconds');
      if (typeof body['bounded'] !== 'boolean') throw bad('bounded', 'true or false');
      const c: Control = { type, token: body['token'], interval: body['interval'], bounded: body['bounded'] };
      if (body['resumeAfter'] !== undefined) {
        if (!isSafeId(body['resumeAfter'])) throw bad('resumeAfter', 'a non-negative integer batch id');
        c.resumeAfter = body['resumeAfter'];
      }
      if (body['firstBatchStart'] !== undefined) {
        if (!isTime(body['firstBatchStart'])) throw bad('firstBatchStart', 'a finite time');
        c.firstBatchStart = body['firstBatchStart'];
      }
      if (body['ack'] !== undefined) {
        const why = badAckPath(body['ack']);
        if (why) throw bad('ack', why);
        c.ack = body['ack'] as string;
      }
      return c;
    }
    case 'batch': {
      if (!isSafeId(body['id'])) throw bad('id', 'a non-negative integer');
      if (!isTime(body['start'])) throw bad('start', 'a finite time');
      if (!isTime(body['end']) || body['end'] < body['start']) throw bad('end', 'a finite time at or after start');
      const c: Control = { type, id: body['id'], start: body['start'], end: body['end'] };
      if (body['positions'] !== undefined) {
        if (!isPlainObject(body['positions'])) throw bad('positions', 'an object');
        c.positions = body['positions'];
      }
      return c;
    }
    case 'watermark':
      if (!isTime(body['t'])) throw bad('t', 'a finite time');
      return { type, t: body['t'] };
    case 'assign': {
      if (typeof body['topic'] !== 'string' || !TOPIC.test(body['topic'])) throw bad('topic', 'a Kafka topic name');
      const ps = body['partitions'];
      if (!Array.isArray(ps) || ps.length > MAX_PARTITIONS || !ps.every(isSafeId) || new Set(ps).size !== ps.length) throw bad('partitions', 'a list of distinct partition numbers');
      const c: Control = { type, topic: body['topic'], partitions: [...ps] };
      if (body['member'] !== undefined) {
        if (typeof body['member'] !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(body['member'])) throw bad('member', 'a consumer-group member id');
        c.member = body['member'];
      }
      return c;
    }
    case 'part':
      if (!isSafeId(body['partition'])) throw bad('partition', 'a partition number');
      return { type, partition: body['partition'] };
    case 'restore':
    case 'state': {
      if (!isSafeId(body['partition'])) throw bad('partition', 'a partition number');
      if (typeof body['stage'] !== 'string' || !STAGE_NAME.test(body['stage'])) throw bad('stage', "a stage name (1 to 64 letters, digits, '.', '_' or '-')");
      if (!isOffset(body['offset'])) throw bad('offset', 'a Kafka offset');
      if (!isPlainObject(body['state'])) throw bad('state', 'an object');
      return { type, partition: body['partition'], stage: body['stage'], offset: body['offset'], state: body['state'] };
    }
    default:
      return { type: type as 'end' | 'eos' | 'failed' };
  }
}
