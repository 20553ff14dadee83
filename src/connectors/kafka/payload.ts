import { isoTime } from '../../engine/clock.js';
import { isRecordObject, parseRecord } from '../../engine/codec.js';
import { offsetJson } from './client.js';

export interface KafkaMessageIn {
  topic: string;
  partition: number;
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

/**
 * Turns one Kafka message into a record.
 * Without meta: a JSON object payload is the record (forwarded as its own bytes
 * when it is one line); any other payload becomes {"value": "<text>"}.
 * With meta, Spark's Kafka columns: {key, value, topic, partition, offset, timestamp},
 * value being the parsed object or the text.
 */
export function messageRecord(m: KafkaMessageIn, withMeta: boolean, maxDepth: number): MappedRecord {
  const text = m.value === null ? null : m.value.toString('utf8');
  const payload = text === null ? { value: null, isObject: false } : payloadValue(text, maxDepth);
  if (!withMeta) {
    if (payload.isObject) {
      const oneLine = text!.indexOf('\n') < 0 && text!.indexOf('\r') < 0;
      return { record: payload.value, raw: oneLine ? text!.trim() : undefined };
    }
    return { record: { value: payload.value }, raw: undefined };
  }
  return {
    record: {
      key: m.key === null ? null : m.key.toString('utf8'),
      value: payload.value,
      topic: m.topic,
      partition: m.partition,
      offset: offsetJson(m.offset),
      timestamp: isoTime(Number(m.timestamp)),
    },
    raw: undefined,
  };
}
