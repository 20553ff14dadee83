// A reference model of sluice's pipeline semantics, used only by tests.
//
// It is written from docs/ARCHITECTURE.md (the stream between stages, windows,
// event time and watermarks, reduce-by-key's output modes, the aggregation
// decisions), not from the engine: small, in one process, one batch at a time,
// with no performance tricks, so that it is obviously correct. Stages pass each
// other a list of events: data records (JSON values, round-tripped through JSON
// text as a pipe would), batch boundaries, watermarks and the end of stream.
//
// Scope: a bounded text or JSON-lines source (one batch, or batches cut every
// --max-records-per-batch records), map/filter with JavaScript functions,
// event-time windows (tumbling, sliding, session) with a watermark delay, and
// reduce-by-key (count, sum, min, max, avg, first, last, collect; modes batch,
// update, complete, append). Every stage runs with --on-error skip: a bad record
// is dropped and counted.

export type Event = { type: 'data'; record: unknown } | { type: 'batch'; idle?: true } | { type: 'watermark'; t: number } | { type: 'end' } | { type: 'eos' };

export interface SourceSpec {
  format: 'text' | 'json';
  /** The whole input file. */
  text: string;
  maxRecordsPerBatch?: number;
}

export type WindowShape = { kind: 'fixed'; size: number; slide: number } | { kind: 'session'; gap: number; keyFields: string[] };

export type AggKind = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'first' | 'last' | 'collect';
export interface AggSpec {
  kind: AggKind;
  /** Absent for count. */
  field?: string;
}
export type Mode = 'batch' | 'update' | 'complete' | 'append';

export type StageSpec =
  | { kind: 'map'; fn: (r: any) => unknown; flat?: boolean }
  | { kind: 'filter'; fn: (r: any) => unknown }
  | { kind: 'window'; shape: WindowShape; timeField: string; timeUnit?: 'ms' | 's'; watermarkDelay: number; late: 'drop' | 'emit' }
  | { kind: 'reduce'; keyFields: string[]; aggregates: AggSpec[]; mode: Mode };

export interface ModelRun {
  /** What the stdout sink writes: the data records, in order. */
  output: unknown[];
  /** Bad records dropped (and counted) by each stage, in stage order (source first). */
  bad: number[];
}

/** Runs the model: source, then each stage, then the stdout sink (data only). */
export function runModel(source: SourceSpec, stages: StageSpec[]): ModelRun {
  const bad: number[] = [];
  const first = readSource(source);
  bad.push(first.bad);
  let events = first.events;
  for (const s of stages) {
    const r = runStage(s, throughPipe(events));
    bad.push(r.bad);
    events = r.events;
  }
  return { output: throughPipe(events).flatMap((e) => (e.type === 'data' ? [e.record] : [])), bad };
}

/** A pipe carries JSON text: what arrives is what JSON.parse makes of JSON.stringify's output. */
function throughPipe(events: Event[]): Event[] {
  return events.map((e) => (e.type === 'data' ? { type: 'data', record: JSON.parse(JSON.stringify(e.record)) as unknown } : e));
}

function runStage(s: StageSpec, events: Event[]): { events: Event[]; bad: number } {
  switch (s.kind) {
    case 'map':
      return s.flat ? flatMapStage(s.fn, events) : mapStage(s.fn, events);
    case 'filter':
      return filterStage(s.fn, events);
    case 'window':
      return windowStage(s, events);
    case 'reduce':
      return reduceStage(s, events);
  }
}

// ---------------------------------------------------------------- source

/**
 * A bounded file is read as one batch; with maxRecordsPerBatch a batch is cut
 * after every that many records (blank and bad lines are not records). At the
 * end of input: `end`, then the last batch (holding the records since the last
 * cut, possibly none), then eos (docs/ARCHITECTURE.md, "Lifecycle").
 */
export function readSource(s: SourceSpec): { events: Event[]; bad: number } {
  let text = s.text;
  if (text.startsWith('\ufeff')) text = text.slice(1);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const events: Event[] = [];
  let bad = 0;
  let inBatch = 0;
  let linesSinceCut = 0;
  for (let line of lines) {
    linesSinceCut++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    let record: unknown;
    if (s.format === 'text') {
      if (line === '') continue;
      record = { value: line };
    } else {
      if (line.trim() === '') continue;
      try {
        record = JSON.parse(line);
      } catch {
        bad++;
        continue;
      }
    }
    events.push({ type: 'data', record });
    inBatch++;
    if (s.maxRecordsPerBatch !== undefined && inBatch === s.maxRecordsPerBatch) {
      events.push({ type: 'batch' });
      inBatch = 0;
      linesSinceCut = 0;
    }
  }
  // The last batch read no line when the input ended right after a cut: its positions are the previous batch's.
  const cut = events.some((e) => e.type === 'batch');
  events.push({ type: 'end' }, cut && linesSinceCut === 0 ? { type: 'batch', idle: true } : { type: 'batch' }, { type: 'eos' });
  return { events, bad };
}

// ---------------------------------------------------------------- map, filter

/**
 * The loop every stateless stage shares: control events pass unchanged, each
 * data record's function result goes to `emit`, and a throw is a bad record.
 * `emit` returns false when the result itself is bad.
 */
function perRecord(events: Event[], call: (record: any) => unknown, emit: (result: unknown, e: Event, out: Event[]) => boolean): { events: Event[]; bad: number } {
  let bad = 0;
  const out: Event[] = [];
  for (const e of events) {
    if (e.type !== 'data') {
      out.push(e);
      continue;
    }
    let v: unknown;
    try {
      v = call(e.record);
    } catch {
      bad++;
      continue;
    }
    if (!emit(v, e, out)) bad++;
  }
  return { events: out, bad };
}

const asRecord = (v: unknown): unknown => (isObject(v) ? v : { value: v === undefined ? null : v });

/** map: an object result is the record; anything else becomes {value}, undefined becomes null. A throw is a bad record. */
function mapStage(fn: (r: any) => unknown, events: Event[]): { events: Event[]; bad: number } {
  return perRecord(events, fn, (v, _e, out) => out.push({ type: 'data', record: asRecord(v) }) > 0);
}

/**
 * map --flat: each element of the result is a record (objects as they are,
 * anything else as {value}); a null or undefined result gives none; a result
 * that is not iterable, or a throw, is a bad record.
 */
function flatMapStage(fn: (r: any) => unknown, events: Event[]): { events: Event[]; bad: number } {
  return perRecord(events, fn, (v, _e, out) => {
    if (v === null || v === undefined) return true;
    if (typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') return false;
    for (const x of v as Iterable<unknown>) out.push({ type: 'data', record: asRecord(x) });
    return true;
  });
}

/** filter: keeps the record unchanged when the function's result is truthy. A throw is a bad record. */
function filterStage(fn: (r: any) => unknown, events: Event[]): { events: Event[]; bad: number } {
  // The function gets a copy: its mutations are not written.
  return perRecord(events, (record) => fn(JSON.parse(JSON.stringify(record))), (keep, e, out) => {
    if (keep) out.push(e);
    return true;
  });
}

// ---------------------------------------------------------------- window

interface Interval {
  start: number;
  end: number;
}

/**
 * Event-time windows. The watermark is the largest event time seen so far minus
 * the delay, updated record by record; a record is judged against the watermark
 * left by the records before it. A window is closed when the watermark is at or
 * past its end. At each batch boundary: sessions the watermark closed are
 * emitted, then a watermark record if it moved since last announced, then the
 * boundary. At `end` every held session is emitted and the watermark moves to
 * the end of the last window emitted (all of them are final), announced before
 * `end` is passed on.
 */
function windowStage(s: Extract<StageSpec, { kind: 'window' }>, events: Event[]): { events: Event[]; bad: number } {
  let bad = 0;
  let maxTime = -Infinity;
  let announced = -Infinity;
  const watermark = () => maxTime - s.watermarkDelay;
  const out: Event[] = [];
  let lastWindowEnd = -Infinity;
  // Sessions per key (JSON of the key values): open sessions with their records in arrival order.
  const sessions = new Map<string, (Interval & { records: unknown[] })[]>();
  const emit = (record: unknown, w: Interval, late: boolean) => {
    const base = isObject(record) ? record : { value: record };
    const r: Record<string, unknown> = { ...base, window: { start: iso(w.start), end: iso(w.end) } };
    if (late) r['late'] = true;
    lastWindowEnd = Math.max(lastWindowEnd, w.end);
    out.push({ type: 'data', record: r });
  };
  const emitClosedSessions = (all: boolean) => {
    const closed: (Interval & { records: unknown[] })[] = [];
    for (const [k, list] of sessions) {
      const keep = list.filter((x) => !all && x.end > watermark());
      closed.push(...list.filter((x) => all || x.end <= watermark()));
      if (keep.length === 0) sessions.delete(k);
      else sessions.set(k, keep);
    }
    closed.sort((a, b) => a.end - b.end || a.start - b.start);
    for (const c of closed) for (const r of c.records) emit(r, c, false);
  };

  for (const e of events) {
    if (e.type === 'watermark') continue; // this stage is the watermark's source
    if (e.type === 'batch') {
      if (s.shape.kind === 'session') emitClosedSessions(false);
      if (watermark() > announced) {
        announced = watermark();
        out.push({ type: 'watermark', t: announced });
      }
      out.push(e);
      continue;
    }
    if (e.type === 'end') {
      if (s.shape.kind === 'session') emitClosedSessions(true);
      if (lastWindowEnd > announced) {
        announced = lastWindowEnd;
        out.push({ type: 'watermark', t: announced });
      }
      out.push(e);
      continue;
    }
    if (e.type === 'eos') {
      out.push(e);
      continue;
    }
    const t = isObject(e.record) ? eventTime(e.record[s.timeField], s.timeUnit) : undefined;
    if (t === undefined) {
      bad++;
      continue;
    }
    const wm = watermark();
    if (s.shape.kind === 'fixed') {
      const closed: Interval[] = [];
      for (const w of fixedWindowsOf(t, s.shape.size, s.shape.slide)) {
        if (w.end > wm) emit(e.record, w, false);
        else closed.push(w);
      }
      if (s.late === 'emit') for (const w of closed) emit(e.record, w, true);
    } else {
      const rec = e.record as Record<string, unknown>;
      const key = JSON.stringify(s.shape.keyFields.map((f) => (Object.hasOwn(rec, f) ? rec[f] : null)));
      const list = sessions.get(key) ?? [];
      const own: Interval = { start: t, end: t + s.shape.gap };
      const overlapping = list.filter((x) => x.start < own.end && own.start < x.end);
      if (overlapping.length === 0 && own.end <= wm) {
        if (s.late === 'emit') emit(e.record, own, true);
      } else {
        const merged = {
          start: Math.min(own.start, ...overlapping.map((x) => x.start)),
          end: Math.max(own.end, ...overlapping.map((x) => x.end)),
          records: [...overlapping.sort((a, b) => a.start - b.start).flatMap((x) => x.records), e.record],
        };
        sessions.set(key, [...list.filter((x) => !overlapping.includes(x)), merged].sort((a, b) => a.start - b.start));
      }
    }
    maxTime = Math.max(maxTime, t);
  }
  return { events: out, bad };
}

/** The windows [start, end) containing t: starts are multiples of the slide, oldest first. */
export function fixedWindowsOf(t: number, size: number, slide: number): Interval[] {
  const out: Interval[] = [];
  for (let start = Math.floor(t / slide) * slide; start > t - size; start -= slide) out.unshift({ start, end: start + size });
  return out;
}

/** An event time in ms: an ISO-8601 string with a zone, or an epoch number in the given unit. Else undefined (a bad record). */
function eventTime(v: unknown, unit: 'ms' | 's' | undefined): number | undefined {
  if (typeof v === 'number' && unit !== undefined && Number.isFinite(v)) return unit === 's' ? v * 1000 : v;
  if (typeof v === 'string' && unit === undefined && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v)) return Date.parse(v);
  return undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------- reduce-by-key

interface Group {
  key: unknown[];
  records: Record<string, unknown>[];
  changed: boolean;
}
interface Table {
  window: Interval | undefined;
  label: { start: string; end: string } | undefined;
  groups: Map<string, Group>;
}

/**
 * reduce-by-key. Records with `window: {start, end}` are grouped per (window,
 * key), others per key. Modes (docs/ARCHITECTURE.md "Output modes"):
 * batch emits each batch's rows at its boundary and forgets them; update emits
 * the rows that changed, at each boundary and when a watermark closes their
 * window (then evicted); complete emits the whole table at each boundary,
 * except at a batch that read no line (idle) when nothing changed;
 * append emits each (window, key) once, when a watermark passes its end, or at
 * `end` (end of input: every open window, and the unwindowed totals). In update
 * and append mode a record for a window the watermark already closed is
 * dropped. Every row belongs to a batch: nothing is emitted at eos.
 *
 * Rows are {window, <key fields>, <aggregates>}; the window of unwindowed rows
 * is a batch's time range, which the model leaves out (it is wall-clock time).
 */
function reduceStage(s: Extract<StageSpec, { kind: 'reduce' }>, events: Event[]): { events: Event[]; bad: number } {
  let bad = 0;
  let watermark = -Infinity;
  let tables = new Map<string, Table>();
  const out: Event[] = [];
  const sorted = () =>
    [...tables.values()].sort((a, b) => {
      if (!a.window || !b.window) return (a.window ? 0 : 1) - (b.window ? 0 : 1);
      return a.window.start - b.window.start || a.window.end - b.window.end;
    });
  const emit = (list: Table[], which: (g: Group) => boolean) => {
    for (const t of list) {
      for (const g of t.groups.values()) {
        if (!which(g)) continue;
        g.changed = false;
        out.push({ type: 'data', record: row(s, t, g) });
      }
    }
  };
  const evict = (t: Table) => {
    for (const [id, x] of tables) if (x === t) tables.delete(id);
  };

  for (const e of events) {
    if (e.type === 'data') {
      const r = e.record;
      const w = windowOf(r);
      if (w && w.window.end <= watermark && (s.mode === 'append' || s.mode === 'update')) continue; // dropped, counted as late
      if (s.keyFields.length > 0 && !isObject(r)) {
        bad++;
        continue;
      }
      const rec = (isObject(r) ? r : {}) as Record<string, unknown>;
      if (s.aggregates.some((a) => ['sum', 'min', 'max', 'avg'].includes(a.kind) && !isNumberOrAbsent(field(rec, a.field!)))) {
        bad++;
        continue;
      }
      const key = s.keyFields.map((f) => field(rec, f) ?? null);
      const tableId = w ? JSON.stringify([w.window.start, w.window.end]) : '';
      let t = tables.get(tableId);
      if (!t) tables.set(tableId, (t = { window: w?.window, label: w?.label, groups: new Map() }));
      const gid = JSON.stringify(key);
      let g = t.groups.get(gid);
      if (!g) t.groups.set(gid, (g = { key, records: [], changed: false }));
      g.records.push(isObject(r) ? rec : (r as Record<string, unknown>));
      g.changed = true;
    } else if (e.type === 'watermark') {
      if (e.t > watermark) {
        watermark = e.t;
        if (s.mode === 'append' || s.mode === 'update') {
          const closed = sorted().filter((t) => t.window && t.window.end <= watermark);
          emit(closed, s.mode === 'update' ? (g) => g.changed : () => true);
          closed.forEach(evict);
        }
      }
      out.push(e);
    } else if (e.type === 'batch') {
      if (s.mode === 'batch') {
        emit(sorted(), () => true);
        tables = new Map();
      } else if (s.mode === 'update') emit(sorted(), (g) => g.changed);
      else if (s.mode === 'complete' && !(e.idle && !sorted().some((t) => [...t.groups.values()].some((g) => g.changed)))) emit(sorted(), () => true);
      out.push(e);
    } else if (e.type === 'end') {
      if (s.mode === 'append') {
        const all = sorted();
        emit(all, () => true);
        all.forEach(evict);
      }
      out.push(e);
    } else {
      out.push(e);
    }
  }
  return { events: out, bad };
}

function row(s: Extract<StageSpec, { kind: 'reduce' }>, t: Table, g: Group): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (t.label) out['window'] = t.label;
  s.keyFields.forEach((f, i) => Object.defineProperty(out, f, { value: g.key[i], enumerable: true, writable: true, configurable: true }));
  for (const a of s.aggregates) {
    const name = a.kind === 'count' ? 'count' : `${a.kind}_${a.field}`;
    Object.defineProperty(out, name, { value: aggregate(a, g.records), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** One aggregate over a group's records, from its definition (sum etc. ignore null and missing; all-null gives null). */
function aggregate(a: AggSpec, records: unknown[]): unknown {
  if (a.kind === 'count') return records.length;
  const values = records.map((r) => (isObject(r) ? field(r as Record<string, unknown>, a.field!) : undefined));
  const present = values.map((v) => (v === undefined ? null : v));
  const numbers = values.filter((v): v is number => typeof v === 'number');
  switch (a.kind) {
    case 'sum':
      return numbers.length === 0 ? null : numbers.reduce((x, y) => x + y, 0);
    case 'avg':
      return numbers.length === 0 ? null : numbers.reduce((x, y) => x + y, 0) / numbers.length;
    case 'min':
      return numbers.length === 0 ? null : Math.min(...numbers);
    case 'max':
      return numbers.length === 0 ? null : Math.max(...numbers);
    case 'first':
      return present[0];
    case 'last':
      return present[present.length - 1];
    case 'collect':
      return present;
  }
}

/** A record's `window: {start, end}` when it is two ISO-8601 times with start < end; else the field is plain data. */
function windowOf(r: unknown): { window: Interval; label: { start: string; end: string } } | undefined {
  if (!isObject(r) || !isObject(r['window'])) return undefined;
  const { start, end } = r['window'] as Record<string, unknown>;
  if (typeof start !== 'string' || typeof end !== 'string') return undefined;
  const s = Date.parse(start);
  const e = Date.parse(end);
  if (!(s < e)) return undefined;
  return { window: { start: s, end: e }, label: { start, end } };
}

function field(r: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(r, name) ? r[name] : undefined;
}

function isNumberOrAbsent(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'number' && Number.isFinite(v));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
