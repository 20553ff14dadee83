import { isoTime } from '../../engine/clock.js';
import { isRecordObject, parseRecord } from '../../engine/codec.js';
import { offsetJson } from './client.js';
import { isObjectLine } from './object-line.js';

export interface KafkaMessageIn {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Epoch ms as a decimal string (kafkajs). */
  timestamp: string;
}

export interface MappedRecord {
  record: unknown;
  /** The exact JSON line when the payload can be forwarded as it is. */
  raw: string | undefined;
}

/** The record of a payload whose line is forwarded unread (downstream reads no field). */
const UNREAD = Object.freeze({});

/**
 * The payload as a value: a JSON object stays an object; anything else (text,
 * numbers, arrays, invalid JSON, JSON nested deeper than maxDepth) is its text.
 */
function payloadValue(text: string, maxDepth: number): { value: unknown; isObject: boolean } {
  const first = text.trimStart().charCodeAt(0);
  if (first !== 123 /* { */) return { value: text, isObject: false };
  let parsed: unknown;
  try {
    parsed = parseRecord(text, maxDepth);
  } catch {
    return { value: text, isObject: false };
  }
  return isRecordObject(parsed) ? { value: parsed, isObject: true } : { value: text, isObject: false };
}

function trimmed(text: string): string {
  return text.charCodeAt(0) === 123 && text.charCodeAt(text.length - 1) === 125 ? text : text.trim();
}

/**
 * A payload without meta: a JSON object is the record (forwarded as its own
 * bytes when it is one line); any other payload becomes {"value": "<text>"}.
 * With `rawSuffices` (downstream reads no field, e.g. the stage's own NDJSON
 * writer), a one-line object is only validated, never parsed.
 */
export function payloadRecord(value: Buffer | null, maxDepth: number, rawSuffices: boolean): MappedRecord {
  if (value === null) return { record: { value: null }, raw: undefined };
  const text = value.toString('utf8');
  if (rawSuffices && isObjectLine(text, maxDepth)) return { record: UNREAD, raw: trimmed(text) };
  const payload = payloadValue(text, maxDepth);
  if (payload.isObject) {
    const oneLine = text.indexOf('\n') < 0 && text.indexOf('\r') < 0;
    return { record: payload.value, raw: oneLine ? text.trim() : undefined };
  }
  return { record: { value: payload.value }, raw: undefined };
}

/** With meta, Spark's Kafka columns: {key, value, topic, partition, offset, timestamp}, value being the parsed object or the text. */
export function metaRecord(m: KafkaMessageIn, topic: string, partition: number, maxDepth: number): MappedRecord {
  const text = m.value === null ? null : m.value.toString('utf8');
  const payload = text === null ? { value: null } : payloadValue(text, maxDepth);
  return {
    record: {
      key: m.key === null ? null : m.key.toString('utf8'),
      value: payload.value,
      topic,
      partition,
      offset: offsetJson(m.offset),
      timestamp: isoTime(Number(m.timestamp)),
    },
    raw: undefined,
  };
}
