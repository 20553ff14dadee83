// Property-based tests: the NDJSON line framer against a byte-level reference
// model for every chunking, and reduce-by-key against a plain reference
// aggregation for every batch split. No input may raise an exception.
import { TEST_TOKEN } from '../helpers/stream.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineFramer } from '../../src/engine/framing.js';
import { ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import { ErrorPolicy } from '../../src/engine/error-policy.js';
import { VirtualClock } from '../../src/engine/clock.js';
import { PositionTracker, type Downstream } from '../../src/engine/stream.js';
import type { Control } from '../../src/engine/control.js';
import type { StageContext } from '../../src/engine/context.js';

const RUNS = Number(process.env['SLUICE_FUZZ_RUNS'] ?? 300);

type Event = ['line', number, string] | ['oversize', number, number] | ['utf8', number];

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** What the framer must report, computed from the whole input at once. */
function referenceFrames(input: Buffer, maxLineBytes: number, strictUtf8: boolean): { events: Event[]; replaced: number } {
  let bytes = input.subarray(0, 3).equals(BOM) ? input.subarray(3) : input;
  const events: Event[] = [];
  let replaced = 0;
  const segments: Buffer[] = [];
  let from = 0;
  for (;;) {
    const nl = bytes.indexOf(10, from);
    if (nl === -1) break;
    segments.push(bytes.subarray(from, nl));
    from = nl + 1;
  }
  if (from < bytes.length) segments.push(bytes.subarray(from));
  segments.forEach((seg, i) => {
    const lineNo = i + 1;
    if (seg.length > 0 && seg[seg.length - 1] === 13) seg = seg.subarray(0, -1);
    if (seg.length > maxLineBytes) events.push(['oversize', lineNo, seg.length]);
    else if (Buffer.from(seg.toString('utf8'), 'utf8').equals(seg)) events.push(['line', lineNo, seg.toString('utf8')]);
    else if (strictUtf8) events.push(['utf8', lineNo]);
    else {
      replaced++;
      events.push(['line', lineNo, seg.toString('utf8')]);
    }
  });
  bytes = Buffer.alloc(0);
  return { events, replaced };
}

function frame(chunks: Buffer[], maxLineBytes: number, strictUtf8: boolean): { events: Event[]; replaced: number } {
  const events: Event[] = [];
  const framer = new LineFramer(
    {
      line: (text, n) => events.push(['line', n, text]),
      oversize: (n, bytes) => events.push(['oversize', n, bytes]),
      invalidUtf8: (n) => events.push(['utf8', n]),
    },
    { maxLineBytes, strictUtf8 },
  );
  for (const c of chunks) framer.push(c);
  framer.end();
  return { events, replaced: framer.replacedUtf8Lines };
}

/** Pieces that stress framing: multi-byte characters, CR, LF, CRLF, invalid and truncated sequences, BOM bytes. */
const piece = fc.oneof(
  fc.constantFrom('a', 'b', '{"k":1}', ' ', '\r', '\n', '\r\n', '\n\n', 'é', '€', '😀', '\ufeff', '\ufffd').map((s) => Buffer.from(s, 'utf8')),
  fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xef, 0xbb], [0x80], [0xed, 0xa0, 0x80]).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 6 }).map((s) => Buffer.from(s, 'utf8')),
);

const framingInput = fc.record({
  bom: fc.boolean(),
  pieces: fc.array(piece, { maxLength: 60 }),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
  maxLineBytes: fc.integer({ min: 1, max: 40 }),
  strictUtf8: fc.boolean(),
});

function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(at, p));
    at = p;
  }
  chunks.push(bytes.subarray(at));
  return chunks;
}

test('LineFramer: the same lines for every chunking, equal to the reference model, never an exception', () => {
  fc.assert(
    fc.property(framingInput, ({ bom, pieces, cuts, maxLineBytes, strictUtf8 }) => {
      const input = Buffer.concat([bom ? BOM : Buffer.alloc(0), ...pieces]);
      const expected = referenceFrames(input, maxLineBytes, strictUtf8);
      const whole = frame([input], maxLineBytes, strictUtf8);
      const chunked = frame(split(input, cuts), maxLineBytes, strictUtf8);
      const byteAtATime = frame([...input].map((b) => Buffer.from([b])), maxLineBytes, strictUtf8);
      assert.deepEqual(whole, expected);
      assert.deepEqual(chunked, expected);
      assert.deepEqual(byteAtATime, expected);
    }),
    { numRuns: RUNS },
  );
});

test('LineFramer: a huge limit and long random lines agree with the reference too', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 30 }), fc.integer({ min: 1, max: 5000 }), (raw, cuts, max) => {
      const input = Buffer.from(raw);
      assert.deepEqual(frame(split(input, cuts), max, false), referenceFrames(input, max, false));
    }),
    { numRuns: RUNS },
  );
});

// ---- aggregation -----------------------------------------------------------

const KEYS = ['a', 'b', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', '1'];
const keyValue = fc.oneof(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 2 }), fc.constant(null));
const numberValue = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constant(undefined), fc.constant(null), fc.constant('x'));
const recordArb = fc.oneof(
  { weight: 10, arbitrary: fc.record({ k: keyValue, v: numberValue }, { requiredKeys: ['k'] }) },
  { weight: 1, arbitrary: fc.constantFrom(42, null, [1], 'text') },
);
/** A stream: records with batch boundaries at random places. */
const streamArb = fc.array(fc.oneof({ weight: 8, arbitrary: recordArb.map((r) => ({ r })) }, { weight: 1, arbitrary: fc.constant({ cut: true }) }), { maxLength: 120 });

interface Row {
  key: unknown;
  count: number;
  /** SQL's sum: null until a number was seen (issue 11.16). */
  sum: number | null;
  min: number | null;
  max: number | null;
}

/** Per batch: a Map from the key's JSON to count, sum, min and max of numeric v, skipping bad records. */
function referenceReduce(stream: ({ r: unknown } | { cut: boolean })[]): { rows: Row[][]; bad: number } {
  const batches: Row[][] = [];
  let table = new Map<string, Row>();
  let bad = 0;
  const close = () => {
    batches.push([...table.values()]);
    table = new Map();
  };
  for (const item of stream) {
    if ('cut' in item) {
      close();
      continue;
    }
    const r = item.r;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      bad++;
      continue;
    }
    const rec = r as { k?: unknown; v?: unknown };
    const v = Object.hasOwn(rec, 'v') ? rec.v : undefined;
    if (v !== undefined && v !== null && typeof v !== 'number') {
      bad++;
      continue;
    }
    const key = Object.hasOwn(rec, 'k') ? rec.k : null;
    const id = JSON.stringify(key);
    let row = table.get(id);
    if (!row) table.set(id, (row = { key, count: 0, sum: null, min: null, max: null }));
    row.count++;
    if (typeof v === 'number') {
      row.sum = (row.sum ?? 0) + v;
      row.min = row.min === null ? v : Math.min(row.min, v);
      row.max = row.max === null ? v : Math.max(row.max, v);
    }
  }
  close();
  return { rows: batches, bad };
}

function runReduce(stream: ({ r: unknown } | { cut: boolean })[]): { rows: Row[][]; bad: number } {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const position = new PositionTracker();
  const errors = new ErrorPolicy('reduce-by-key', { kind: 'skip' }, position, () => undefined);
  const ctx: StageContext = { command: 'reduce-by-key', clock, position, errors, warn: () => undefined };
  const batches: Row[][] = [];
  let current: Row[] = [];
  const sink: Downstream = {
    data(record) {
      const o = record as Record<string, unknown>;
      current.push({ key: o['k'], count: o['count'] as number, sum: o['sum_v'] as number | null, min: o['min_v'] as number | null, max: o['max_v'] as number | null });
    },
    control(c: Control) {
      if (c.type === 'batch') {
        batches.push(current);
        current = [];
      }
    },
  };
  const op = new ReduceByKeyOperator(
    { key: { fields: ['k'] }, aggregates: [{ kind: 'count' }, { kind: 'sum', field: 'v' }, { kind: 'min', field: 'v' }, { kind: 'max', field: 'v' }] },
    sink,
    ctx,
  );
  let id = 0;
  const t0 = clock.now();
  const cut = () => {
    void op.control({ type: 'batch', id, start: t0 + id * 1000, end: t0 + (id + 1) * 1000 });
    id++;
  };
  void op.control({ type: 'start', token: TEST_TOKEN, interval: 1000, bounded: false });
  for (const item of stream) {
    if ('cut' in item) cut();
    else op.data(item.r, undefined);
  }
  cut();
  return { rows: batches, bad: errors.count };
}

const byKey = (rows: Row[]) => [...rows].sort((a, b) => (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1));

test('reduce-by-key per batch equals a reference aggregation for random records and batch splits', () => {
  fc.assert(
    fc.property(streamArb, (stream) => {
      const expected = referenceReduce(stream);
      const actual = runReduce(stream);
      assert.equal(actual.bad, expected.bad);
      assert.equal(actual.rows.length, expected.rows.length);
      actual.rows.forEach((rows, i) => assert.deepEqual(byKey(rows), byKey(expected.rows[i]!), `batch ${i}`));
    }),
    { numRuns: RUNS },
  );
});

test('reduce-by-key: the totals do not depend on where the batches are cut', () => {
  fc.assert(
    fc.property(fc.array(recordArb, { maxLength: 80 }), fc.array(fc.nat(), { maxLength: 6 }), (records, cuts) => {
      const points = new Set(cuts.map((c) => c % (records.length + 1)));
      const stream: ({ r: unknown } | { cut: boolean })[] = [];
      records.forEach((r, i) => {
        if (points.has(i)) stream.push({ cut: true });
        stream.push({ r });
      });
      const total = (batches: Row[][]) => {
        const m = new Map<string, { count: number; sum: number }>();
        for (const row of batches.flat()) {
          const id = JSON.stringify(row.key);
          const t = m.get(id) ?? { count: 0, sum: 0 };
          t.count += row.count;
          t.sum += row.sum ?? 0;
          m.set(id, t);
        }
        return [...m.entries()].sort();
      };
      const unsplit = runReduce(records.map((r) => ({ r })));
      const split = runReduce(stream);
      assert.deepEqual(total(split.rows), total(unsplit.rows));
      assert.equal(split.bad, unsplit.bad);
    }),
    { numRuns: RUNS },
  );
});
