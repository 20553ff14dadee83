import { isRecordObject } from '../codec.js';
import { parseIsoTime } from '../event-time.js';

/** A record's window as reduce-by-key keys its state: the label it writes and the times it orders and evicts by. */
export interface RecordWindow {
  label: { start: string; end: string };
  start: number;
  end: number;
}

/** The table id of records without a window. */
export const UNWINDOWED = '';
/** Shared, never modified: the common case allocates nothing. */
export const NO_WINDOW: [string, undefined] = [UNWINDOWED, undefined];

/**
 * The record's window when it carries `window: {start, end}` with ISO-8601
 * times (start before end), with its table id; else the unwindowed table.
 * `known` gives a window already held under that id, so its times are not parsed again.
 */
export function recordWindow(record: unknown, known: (id: string) => RecordWindow | undefined): [string, RecordWindow | undefined] {
  if (!isRecordObject(record) || !Object.hasOwn(record, 'window')) return NO_WINDOW;
  const w = record['window'];
  if (!isRecordObject(w) || typeof w['start'] !== 'string' || typeof w['end'] !== 'string') return NO_WINDOW;
  const start = w['start'];
  const end = w['end'];
  const id = `${start}/${end}`;
  const held = known(id);
  if (held) return [id, held];
  const s = parseIsoTime(start);
  const e = parseIsoTime(end);
  if (s === undefined || e === undefined || !(s < e)) return NO_WINDOW;
  return [id, { label: { start, end }, start: s, end: e }];
}
