import { isUtf8 } from 'node:buffer';
import { isoTime } from '../../engine/clock.js';
import { isRecordObject, parseRecord } from '../../engine/codec.js';
import { offsetJson } from './client.js';
import { parsesExactly } from './exact-json.js';
import { isObjectLine } from './object-line.js';
import type { LineShapes } from '../../engine/fast/line-shapes.js';

export interface KafkaMessageIn {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Epoch ms as a decimal string (kafkajs). */
  timestamp: string;
  headers?: Record<string, Buffer | string | null | (Buffer | string | null)[] | undefined>;
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
 * writer), a one-line object is only validated, never parsed; `shapes`
 * (a LineShapes of no fields) remembers the layouts validated.
 */
export function payloadRecord(text: string | null, maxDepth: number, rawSuffices: boolean, shapes?: LineShapes): MappedRecord {
  if (text === null) return { record: { value: null }, raw: undefined };
  if (rawSuffices) {
    // A payload of a layout seen before is validated by one regular expression (line-shapes.ts).
    if (shapes?.exec(text)) return { record: UNREAD, raw: text };
    if (isObjectLine(text, maxDepth)) {
      shapes?.learn(text);
      return { record: UNREAD, raw: trimmed(text) };
    }
  }
  const payload = payloadValue(text, maxDepth);
  if (payload.isObject) {
    const oneLine = text.indexOf('\n') < 0 && text.indexOf('\r') < 0;
    return { record: payload.value, raw: oneLine ? text.trim() : undefined };
  }
  return { record: { value: payload.value }, raw: undefined };
}

/** Bytes as text when they are UTF-8, else base64 with an encoding field. */
function bytesField(bytes: Buffer): { text: string; base64: boolean } {
  return isUtf8(bytes) ? { text: bytes.toString('utf8'), base64: false } : { text: bytes.toString('base64'), base64: true };
}

/**
 * With meta, Spark's Kafka columns {key, value, topic, partition, offset,
 * timestamp, headers}: value is the parsed object or the text. Exactly:
 * `valueText` holds the payload when parsing it would change it (numbers a
 * double cannot hold, repeated keys); a key, value or header value that is not
 * UTF-8 is base64, said by `keyEncoding` / `valueEncoding` / `encoding`.
 */
export function metaRecord(m: KafkaMessageIn, topic: string, partition: number, maxDepth: number): MappedRecord {
  const record: Record<string, unknown> = {};
  const key = m.key === null ? null : bytesField(m.key);
  record['key'] = key === null ? null : key.text;
  if (key?.base64) record['keyEncoding'] = 'base64';
  const value = m.value === null ? null : bytesField(m.value);
  if (value === null) record['value'] = null;
  else if (value.base64) {
    record['value'] = value.text;
    record['valueEncoding'] = 'base64';
  } else {
    const payload = payloadValue(value.text, maxDepth);
    record['value'] = payload.value;
    if (payload.isObject && !parsesExactly(value.text)) record['valueText'] = value.text;
  }
  record['topic'] = topic;
  record['partition'] = partition;
  record['offset'] = offsetJson(m.offset);
  record['timestamp'] = isoTime(Number(m.timestamp));
  record['headers'] = headerList(m.headers);
  return { record, raw: undefined };
}

/** kafkajs gives headers as {name: value or [values]} (repeated names); Spark's form is a list of {key, value}. */
function headerList(headers: KafkaMessageIn['headers']): { key: string; value: string | null; encoding?: 'base64' }[] {
  const out: { key: string; value: string | null; encoding?: 'base64' }[] = [];
  for (const [name, values] of Object.entries(headers ?? {})) {
    for (const v of Array.isArray(values) ? values : [values]) {
      if (v === undefined || v === null) out.push({ key: name, value: null });
      else {
        const f = bytesField(Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
        out.push(f.base64 ? { key: name, value: f.text, encoding: 'base64' } : { key: name, value: f.text });
      }
    }
  }
  return out;
}
