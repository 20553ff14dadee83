/**
 * The common ISO-8601 forms, read character by character without a regular
 * expression or a Date: `YYYY-MM-DDTHH:MM:SS` (or `t` or a space for the
 * `T`, as logs often write it), then an optional fraction of 1-9 digits
 * after `.` or `,`, then `Z`, `z`, `±HH:MM`, `±HHMM`, `±HH` or nothing (UTC);
 * and the date alone `YYYY-MM-DD`.
 * Returns epoch ms, or undefined for anything else, valid or not: the caller
 * then asks the general parser (event-time.ts), which has the last word, so
 * the two can only agree (test/perf/iso-time.test.ts checks it).
 */
export function parseCommonIsoTime(s: string): number | undefined {
  return parseCommonIsoTimeAt(s, 0, s.length);
}

/** The last calendar day read, as yyyymmdd, and its epoch ms: a stream's times share few days. */
let lastDay = -1;
let lastDayMs = 0;

/**
 * parseCommonIsoTime of `s.slice(from, to)`, read in place (the time field of
 * a line, without cutting it out).
 */
export function parseCommonIsoTimeAt(s: string, from: number, to: number): number | undefined {
  const n = to - from;
  if (n !== 10 && n < 19) return undefined;
  const year = digits4(s, from);
  const month = digits2(s, from + 5);
  const day = digits2(s, from + 8);
  if (year < 0 || month < 1 || month > 12 || day < 1 || s.charCodeAt(from + 4) !== 45 || s.charCodeAt(from + 7) !== 45) return undefined;
  const dayKey = year * 10_000 + month * 100 + day;
  let dayMs: number;
  if (dayKey === lastDay) dayMs = lastDayMs;
  else {
    if (day > 28 && day > daysInMonth(year, month)) return undefined;
    dayMs = daysFromCivil(year, month, day) * 86_400_000;
    lastDay = dayKey;
    lastDayMs = dayMs;
  }
  if (n === 10) return dayMs;
  const hour = digits2(s, from + 11);
  const minute = digits2(s, from + 14);
  const t = s.charCodeAt(from + 10);
  if ((t !== 84 /* T */ && t !== 32 && t !== 116 /* t */) || s.charCodeAt(from + 13) !== 58 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  const rest = secondsOnAt(s, from, to);
  return rest === rest ? dayMs + (hour * 60 + minute) * 60_000 + rest : undefined;
}

/**
 * The part of a time `s.slice(from, to)` (at least 19 characters) after its
 * `YYYY-MM-DDTHH:MM`: `:SS`, the fraction and the zone, as ms to add to the
 * minute's epoch ms (the zone's offset subtracted); NaN for anything else.
 */
function secondsOnAt(s: string, from: number, to: number): number {
  const second = digits2(s, from + 17);
  if (s.charCodeAt(from + 16) !== 58 || second < 0 || second > 59) return NaN;
  let i = from + 19;
  let millis = 0;
  const point = s.charCodeAt(i);
  if (point === 46 /* . */ || point === 44 /* , */) {
    const start = ++i;
    // Milliseconds are the first three digits (truncated), as in the general parser.
    let scale = 100;
    for (; i < to; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      millis += d * scale;
      scale = scale > 1 ? scale / 10 : 0;
    }
    if (i === start || i - start > 9) return NaN;
  }
  let offsetMinutes = 0;
  const zone = i < to ? s.charCodeAt(i) : -1;
  if (zone === -1 || ((zone === 90 /* Z */ || zone === 122) /* z */ && i + 1 === to)) {
    // UTC
  } else if (zone === 43 || zone === 45) {
    // ±HH:MM, ±HHMM or ±HH
    const oh = digits2(s, i + 1);
    const om = i + 6 === to && s.charCodeAt(i + 3) === 58 ? digits2(s, i + 4) : i + 5 === to ? digits2(s, i + 3) : i + 3 === to ? 0 : -1;
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offsetMinutes = (zone === 45 ? -1 : 1) * (oh * 60 + om);
  } else return NaN;
  return (second - offsetMinutes * 60) * 1000 + millis;
}

/**
 * parseCommonIsoTimeAt for the times of a stream, which mostly share their
 * minute with a recent time: the 16 bytes `YYYY-MM-DDTHH:MM` of the last two
 * minutes read whole are kept, each as four 32-bit words with the minute's
 * epoch ms, and a time that starts with the same bytes as either is read from
 * its seconds on (compared as words, not character by character; same
 * answers, test/perf/iso-time.test.ts). Two, because a stream often mixes two
 * spellings of its times (UTC and an offset: `09:59:58Z`, `10:59:59+01:00`).
 */
export class IsoTimeReader {
  /** Slot k's words are words[4k..4k+3], valid when minuteMs[k] is not NaN. */
  private readonly words = new Int32Array(8);
  private readonly minuteMs = new Float64Array([NaN, NaN]);
  /** The slot a new minute replaces: the one not hit last. */
  private older = 0;
  private view: DataView | undefined;
  private viewOf: Buffer | undefined;

  /** parseCommonIsoTimeAt(s, from, to) of an ASCII `s` whose character i is bytes[base + i]. */
  at(s: string, from: number, to: number, bytes: Buffer, base: number): number | undefined {
    if (this.viewOf !== bytes) {
      this.viewOf = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    const v = this.view!;
    const b = base + from;
    const long = to - from >= 19;
    if (long) {
      const w = this.words;
      const w0 = v.getInt32(b, true);
      const w1 = v.getInt32(b + 4, true);
      const w2 = v.getInt32(b + 8, true);
      const w3 = v.getInt32(b + 12, true);
      for (let k = 0; k < 2; k++) {
        const o = 4 * k;
        if (w[o] === w0 && w[o + 1] === w1 && w[o + 2] === w2 && w[o + 3] === w3 && this.minuteMs[k] === this.minuteMs[k]) {
          this.older = 1 - k;
          const rest = secondsOnAt(s, from, to);
          return rest === rest ? this.minuteMs[k]! + rest : undefined;
        }
      }
    }
    const t = parseCommonIsoTimeAt(s, from, to);
    if (t !== undefined && long) {
      const k = this.older;
      const o = 4 * k;
      this.words[o] = v.getInt32(b, true);
      this.words[o + 1] = v.getInt32(b + 4, true);
      this.words[o + 2] = v.getInt32(b + 8, true);
      this.words[o + 3] = v.getInt32(b + 12, true);
      this.minuteMs[k] = t - secondsOnAt(s, from, to);
      this.older = 1 - k;
    }
    return t;
  }
}

function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -10_000;
}

/** Two decimal digits at i, or a negative number. */
function digits2(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

function digits4(s: string, i: number): number {
  return digits2(s, i) * 100 + digits2(s, i + 2);
}

/** Days of a month of the proleptic Gregorian calendar (year 0 is a leap year, as in ISO-8601). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days arithmetic, inverted). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
