/**
 * In-band control records (protocol version 1). Each is one NDJSON line whose only
 * top-level key is CONTROL_KEY, e.g.
 *   {"__sluice":{"v":1,"type":"batch","id":3,"start":1767225600000,"end":1767225601000}}
 * Times are epoch milliseconds. See docs/ARCHITECTURE.md for the full protocol.
 */
export const CONTROL_KEY = '__sluice';
export const PROTOCOL_VERSION = 1;
/** Every control line sluice writes starts with exactly these bytes. */
export const CONTROL_PREFIX = `{"${CONTROL_KEY}":`;

/** Source positions a batch covers, keyed by source id (file path, topic-partition, ...). */
export type Positions = Record<string, unknown>;

export type Control =
  | {
      type: 'start';
      /** Batch interval of the source, ms. */
      interval: number;
      /** True when the source is bounded (a file, not followed). */
      bounded: boolean;
      /** Last batch id committed by the sink in a previous run; stateful stages restore the state as of it. */
      resumeAfter?: number;
      /** Start of the first batch (epoch ms), so processing-time stages can place records before its boundary arrives. */
      firstBatchStart?: number;
    }
  | { type: 'batch'; id: number; start: number; end: number; positions?: Positions }
  | { type: 'watermark'; t: number }
  | { type: 'eos' };

export type ControlOf<T extends Control['type']> = Extract<Control, { type: T }>;

export function encodeControl(c: Control): string {
  return `${CONTROL_PREFIX}${JSON.stringify({ v: PROTOCOL_VERSION, ...c })}}`;
}

/** Returns the control record of a line, or undefined when the line is data. Throws on a foreign version. */
export function decodeControl(line: string): Control | undefined {
  if (!line.startsWith(CONTROL_PREFIX)) return undefined;
  const parsed = JSON.parse(line) as Record<string, unknown>;
  const body = parsed[CONTROL_KEY] as ({ v?: number } & Control) | undefined;
  if (!body || typeof body !== 'object' || Object.keys(parsed).length !== 1) return undefined;
  if (body.v !== PROTOCOL_VERSION) {
    throw new Error(`control record of protocol version ${String(body.v)}; this sluice speaks version ${PROTOCOL_VERSION}`);
  }
  const { v: _v, ...control } = body;
  return control as Control;
}
