/**
 * Event time from a record field: ISO-8601 strings, or epoch numbers with an
 * explicit unit. Anything else is an error message (a bad record under
 * --on-error), never epoch 0.
 */

import { daysInMonth, parseCommonIsoTime } from './fast/iso-time.js';

export type TimeUnit = 'ms' | 's' | 'us' | 'ns';

export const TIME_UNITS: readonly TimeUnit[] = ['ms', 's', 'us', 'ns'];

const MS_PER_UNIT: Record<TimeUnit, number> = { ms: 1, s: 1000, us: 1e-3, ns: 1e-6 };

/** The range of a JavaScript Date: +-100,000,000 days around the epoch. */
export const MAX_TIME = 8.64e15;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Parses ISO-8601 (`2026-01-01T00:00:03Z`, `2026-01-01T01:00:03.5+01:00`,
 * `2026-01-01`) strictly: impossible dates such as February 30 are rejected.
 * A time without an offset is UTC. Returns epoch ms, or undefined.
 */
export function parseIsoTime(text: string): number | undefined {
  return parseCommonIsoTime(text) ?? parseIsoTimeGeneral(text);
}

/** parseIsoTime without the hand-written parser of the common forms (SLUICE_FAST=0). */
export function parseIsoTimeGeneral(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const day = dayStart(m[1]!, m[2]!, m[3]!);
  if (day === undefined) return undefined;
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // Milliseconds: the first three digits, truncated (no floating-point rounding).
  const millis = m[7] ? Number(`${m[7]}00`.slice(0, 3)) : 0;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const t = day + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
  return Number.isFinite(t) && Math.abs(t) <= MAX_TIME ? t : undefined;
}

/** Epoch ms of a validated calendar day, cached: a stream's timestamps share few days. */
const dayCache = new Map<string, number | null>();

function dayStart(y: string, mo: string, d: string): number | undefined {
  const id = `${y}-${mo}-${d}`;
  let ms = dayCache.get(id);
  if (ms === undefined) {
    const year = Number(y);
    const month = Number(mo);
    const day = Number(d);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) ms = null;
    else {
      // Date.UTC maps years 0-99 to 1900-1999; set the year explicitly instead.
      const date = new Date(Date.UTC(2000, month - 1, day));
      date.setUTCFullYear(year);
      ms = date.getTime();
    }
    if (dayCache.size >= 1024) dayCache.clear();
    dayCache.set(id, ms);
  }
  return ms ?? undefined;
}

/**
 * Reads an event time value. Returns epoch ms (an integer), or a string saying
 * why the value is not a time.
 */
export function parseEventTime(value: unknown, field: string, unit: TimeUnit | undefined, parseIso: (text: string) => number | undefined = parseIsoTime): number | string {
  if (value === undefined) return `no time field '${field}'`;
  if (typeof value === 'string') {
    const iso = parseIso(value);
    if (iso !== undefined) return iso;
    const n = unit === undefined ? undefined : epochTextNumber(value);
    if (n !== undefined) return fromEpoch(n, field, unit!);
    return `time field '${field}' is ${JSON.stringify(value)}, not an ISO-8601 time${unit ? ` or an epoch number in ${unit}` : ''}`;
  }
  if (typeof value === 'number') {
    if (!unit) return `time field '${field}' is the number ${value}; give its unit with --time-unit ms|s|us|ns`;
    return fromEpoch(value, field, unit);
  }
  return `time field '${field}' is ${JSON.stringify(value)}, not a time`;
}

const EPOCH_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

/** The number a string that is an epoch number stands for (`"1767225600123"`, `" 1767225600.5 "`; accepted with a unit), undefined for any other string. */
export function epochTextNumber(text: string): number | undefined {
  return EPOCH_TEXT.test(text) ? Number(text) : undefined;
}

function fromEpoch(n: number, field: string, unit: TimeUnit): number | string {
  return epochMs(n, unit) ?? `time field '${field}' is ${n} ${unit}, outside the range of dates`;
}

/** Epoch ms (an integer) of the epoch number `n` in `unit`, or undefined outside the range of dates: the one conversion of numeric times (the window stage's fast path too). */
export function epochMs(n: number, unit: TimeUnit): number | undefined {
  const t = Math.floor(n * MS_PER_UNIT[unit]);
  return Number.isFinite(t) && Math.abs(t) <= MAX_TIME ? t : undefined;
}
