import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ReduceByKeyOperator, type OutputMode } from '../../src/engine/operators/reduce-by-key.js';
import type { Downstream } from '../../src/engine/stream.js';
import type { StageContext } from '../../src/engine/context.js';
import { withFastPaths } from '../helpers/fast-paths.js';
import { boundedStream, controlLine, STREAM_EPOCH } from '../helpers/stream.js';
import { chunks, stageOver } from '../helpers/stage-over.js';

// reduce-by-key reading windowed lines from a pipe checks a line's last member
// (the window the window stage appends) apart: by a literal of a text seen
// before, else by the general pattern (BlockLayouts.matchTail). Windows come in
// runs, interleave, cycle through more windows than are kept, and change on
// every line (past the literals it may compile); the tails it must not take
// differ from a known one by a character, or go on after it. Each case must
// print and report exactly what SLUICE_FAST=0 does.

const cases = (n: number) => Math.max(1, Math.round(n * Number(process.env['SLUICE_DIFF_CASES'] ?? 1)));
const T = STREAM_EPOCH;
const iso = (ms: number) => new Date(T + ms).toISOString();
const windowJson = (w: number) => JSON.stringify({ start: iso(w * 4000), end: iso(w * 4000 + 4000) });

/** The text after `"window":` up to the line's end: mostly a window, sometimes one with something after it or not a window at all. */
const tail = (w: number) =>
  fc.oneof(
    { weight: 40, arbitrary: fc.constant(windowJson(w)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        windowJson(w) + 'x',
        windowJson(w) + ' ',
        windowJson(w) + '}',
        windowJson(w).replace('}', ',"end":"x"}'),
        windowJson(w).replace('Z"}', 'Z" }'),
        windowJson(w).replace('.000Z', '.001Z'),
        windowJson(w).slice(0, -2),
        '{"start":"é\u2028","end":"\\u00e9"}',
        '"' + iso(w * 4000) + '"',
        '[1,{"a":2}]',
        '{"a":{"b":1}}',
        '5',
        'null',
      ),
    },
  );

/** The window of each line: runs of one, a few interleaved, a cycle of more than are kept, or a new one on every line. */
const windowOrder = fc.oneof(
  fc.integer({ min: 1, max: 40 }).map((run) => (i: number) => Math.floor(i / run)),
  fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 200, maxLength: 200 }).map((ws) => (i: number) => ws[i % ws.length]!),
  fc.integer({ min: 2, max: 12 }).map((n) => (i: number) => i % n),
  fc.constant((i: number) => i),
);

const member = (k: string, v: string) => `${JSON.stringify(k)}:${v}`;
const key = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('200', '304', '"a"') }, { weight: 1, arbitrary: fc.constantFrom('2e2', '"\\u0061"', '{"x":1}', 'true') });
const n = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -9, max: 999 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('1.5', 'null', '"7"') });

/** A windowed line: key, number and window in the order the window stage writes them, and in others. */
const lineAt = (i: number, order: (i: number) => number) =>
  fc.tuple(fc.oneof({ weight: 20, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 2, 3) }), key, n, tail(order(i))).map(([layout, k, v, w]) => {
    if (layout === 1) return `{${member('window', w)},${member('status', k)}}`;
    if (layout === 2) return `{${member('status', k)},${member('n', v)},${member('window', w)},${member('status', k)}}`;
    if (layout === 3) return `{${member('window', w)}}`;
    return `{${member('ts', '"' + iso(i) + '"')},${member('status', k)},${member('n', v)},${member('window', w)}}`;
  });

const windowedText = fc
  .tuple(fc.integer({ min: 50, max: 250 }), windowOrder)
  .chain(([count, order]) => fc.tuple(...Array.from({ length: count }, (_, i) => lineAt(i, order))))
  .map((lines) => boundedStream(lines, 53, (i) => (i % 37 === 36 ? [controlLine({ type: 'watermark', t: T + (i / 37) * 4000 })] : [])));

const cuts = fc.array(fc.integer({ min: 64, max: 4000 }), { minLength: 1, maxLength: 12 });
const modes = fc.constantFrom<OutputMode>('batch', 'update', 'append', 'complete');

function reduce(input: Buffer[], depth: number, mode: OutputMode, sum: boolean): Promise<string[]> {
  const aggregates = sum ? [{ kind: 'count' as const }, { kind: 'sum' as const, field: 'n' }] : [{ kind: 'count' as const }];
  const build = (next: Downstream, ctx: StageContext): Downstream => new ReduceByKeyOperator({ key: { fields: ['status'] }, aggregates, mode }, next, ctx);
  return stageOver('reduce-by-key', input, depth, build, { now: T + 30_000 });
}

test('reduce-by-key takes windowed lines by their window tail exactly as SLUICE_FAST=0 takes them', async () => {
  await fc.assert(
    fc.asyncProperty(windowedText, cuts, modes, fc.boolean(), fc.constantFrom(1, 2, 100), async (s, sizes, mode, sum, depth) => {
      const input = chunks(s, sizes);
      const fast = await withFastPaths(true, () => reduce(input, depth, mode, sum));
      const general = await withFastPaths(false, () => reduce(input, depth, mode, sum));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(40) },
  );
});
