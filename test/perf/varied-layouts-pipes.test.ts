import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { everyStageBothWays } from '../helpers/fast-differential.js';
import { STREAM_EPOCH } from '../helpers/stream.js';
import { spacedJson } from '../helpers/json-text.js';

// NDJSON as real producers write it, through the real bin over real pipes:
// Python's json.dumps puts a space after each : and , (`{"ts": "...",
// "user": "u1"}`), and members are often optional (a status here, a meta
// there), written in varying order, now and then one of them twice. The window, reduce-by-key (after the window and alone), filter, a
// spliced map, the json source and the sink print exactly what SLUICE_FAST=0
// prints, diagnostics included, with now and then a line written otherwise
// (compact, spaced unevenly, not JSON). In-process tests check that such
// lines take the fast paths (block-layouts-spaced, line-shapes, map-splice,
// layout-merge).

const T = STREAM_EPOCH;
const user = fc.constantFrom('u1', 'u2', 'x y', 'é', 'a"b', '東京');
const extra = fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.constantFrom(1, 'a', true), { maxLength: 3 }), fc.dictionary(fc.constantFrom('k', 'l m'), fc.constantFrom(1, 'v', null), { maxKeys: 2 }));
const record = (i: number) =>
  fc.record(
    {
      ts: fc.integer({ min: -2500, max: 300 }).map((j) => new Date(T + i * 100 + j).toISOString()),
      user,
      status: fc.constantFrom(200, 301, 404, 500),
      n: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 99 }) }, { weight: 1, arbitrary: fc.constantFrom(1.5, null, 'x') }),
      meta: extra,
    },
    { requiredKeys: ['ts', 'user'] },
  );
/** Its optional members in the order given (producers that build records conditionally write them in varying order). */
const inOrder = (r: Record<string, unknown>, order: string[]) => Object.fromEntries([['ts', r.ts], ['user', r.user], ...order.filter((k) => Object.hasOwn(r, k)).map((k) => [k, r[k]])]);
/** As Python writes it, or compact; its optional members in one order, or in any. */
const order = fc.oneof({ weight: 2, arbitrary: fc.constant(['status', 'n', 'meta']) }, { weight: 1, arbitrary: fc.shuffledSubarray(['status', 'n', 'meta'], { minLength: 3 }) });
const written = (i: number) =>
  fc.tuple(record(i), fc.boolean(), order).map(([r, spaced, keys]) => {
    const ordered = inOrder(r, keys);
    return spaced ? spacedJson(ordered) : JSON.stringify(ordered);
  });
/** Mostly as Python or JSON.stringify writes it; sometimes unevenly spaced, or not JSON. */
const lineAt = (i: number) =>
  fc.oneof(
    { weight: 40, arbitrary: written(i) },
    { weight: 1, arbitrary: record(i).map((r) => spacedJson(r).replace(', "n"', ',"n"')) },
    { weight: 1, arbitrary: record(i).map((r) => spacedJson(r).replace('"user": ', '"user":  ')) },
    // A key written twice: the general path reads the last.
    { weight: 1, arbitrary: written(i).map((line) => (line.includes('"n"') ? line.replace(/\}$/, line.includes(': ') ? ', "n": 77}' : ',"n":77}') : line)) },
    { weight: 1, arbitrary: fc.constantFrom('{"ts": "2026-01-01T00:00:01.000Z", "n": 1,}', 'not json', '{"ts" : "2026-01-01T00:00:01.000Z"}', '') },
  );
/** Enough lines that most come in later reads, which the whole-read paths take. */
const data = fc.integer({ min: 1500, max: 2500 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => lineAt(i))));

test('lines as Python writes them, members optional: window, reduce-by-key, filter, map, sink and source over pipes print what SLUICE_FAST=0 prints', { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(data, async (lines) => {
      const fast = await everyStageBothWays(
        lines,
        {
          window: '4s --time-field ts --watermark 1500ms',
          afterWindow: 'user --count --sum n',
          keyed: 'user status --count --avg n --max n',
          filter: 'r.n > 30 && r.user !== "u2"',
          map: '({...r, k: r.n, meta: undefined})',
        },
        200,
      );
      assert.ok(fast.some((text) => text.includes('"user": "u1"')), 'the spaced lines pass through as written');
    }),
    { numRuns: 3, endOnFailure: true },
  );
});
