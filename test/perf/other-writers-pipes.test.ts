import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { everyStageBothWays } from '../helpers/fast-differential.js';
import { otherWriterJson } from '../helpers/json-text.js';
import { STREAM_EPOCH } from '../helpers/stream.js';

// NDJSON as other writers write it, through the real bin over real pipes:
// non-ASCII as \u escapes (Python's json.dumps by default), `/` as `\/`
// (PHP, with UTF-8 escaped or not), integral numbers as `1.0` (Python
// floats), lines ending with CRLF (Windows). The filter learns such lines'
// layouts, the spliced map writes their values canonically (decoding the
// byte view), and the window, reduce-by-key, sink and json source read them:
// each prints exactly what SLUICE_FAST=0 prints, diagnostics included.
// Members nest two levels (arrays of objects: learned into layouts) and now
// and then three (not).

const T = STREAM_EPOCH;
const text = fc.constantFrom('u1', 'für', '東京', '😀', '/p/1', '/p/1/é', 'a"b', 'x\\y');
const record = (i: number) =>
  fc.record(
    {
      ts: fc.integer({ min: -2500, max: 300 }).map((j) => new Date(T + i * 100 + j).toISOString()),
      user: text,
      path: text,
      status: fc.constantFrom(200, 301, 404, 500),
      bytes: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 5000 }) }, { weight: 1, arbitrary: fc.constantFrom(1.5, null, 'x', 1e21) }),
      ua: fc.oneof(text, fc.constant(undefined)),
      // Two levels of nesting (learned into layouts), and now and then three (the general path's).
      items: fc.array(fc.record({ sku: text, qty: fc.integer({ min: 0, max: 3 }), tags: fc.array(text, { maxLength: 2 }) }), { maxLength: 3 }),
      ctx: fc.oneof({ weight: 4, arbitrary: fc.record({ host: text, geo: fc.record({ lat: fc.double({ noNaN: true, noDefaultInfinity: true }) }) }) }, { weight: 1, arbitrary: fc.constant({ a: { b: { c: [1] } } }) }),
    },
    { requiredKeys: ['ts', 'user', 'path', 'status', 'items'] },
  );
const lineAt = (i: number) =>
  fc.oneof(
    { weight: 30, arbitrary: record(i).map(otherWriterJson) },
    { weight: 5, arbitrary: record(i).map((r) => JSON.stringify(r)) },
    // Windows line ends (a CR before the LF the lines are joined with), a CR kept as data now and then.
    { weight: 5, arbitrary: record(i).map((r) => JSON.stringify(r) + '\r') },
    { weight: 1, arbitrary: record(i).map((r) => JSON.stringify(r) + '\r\r') },
    // PHP with JSON_UNESCAPED_UNICODE: UTF-8 as it is, `/` still escaped.
    { weight: 10, arbitrary: record(i).map((r) => JSON.stringify(r).replace(/\//g, '\\/')) },
    { weight: 1, arbitrary: fc.constantFrom('{"ts": "2026-01-01T00:00:01.000Z", "n": 1,}', 'not json', '{"\\u0074s":"2026-01-01T00:00:01.000Z","status":1.0}', '') },
  );
const data = fc.integer({ min: 1500, max: 2500 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => lineAt(i))));

test('lines with \\u escapes, \\/ and 1.0: window, reduce-by-key, filter, map, sink and source over pipes print what SLUICE_FAST=0 prints', { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(data, async (lines) => {
      const fast = await everyStageBothWays(
        lines,
        {
          window: '4s --time-field ts --watermark 1500ms',
          afterWindow: 'user --count --sum bytes',
          keyed: 'path status --count --avg bytes --max bytes',
          filter: 'r.status >= 300 && r.path.startsWith("/p/1")',
          map: '({...r, kb: r.bytes / 1024, user: r.user.toUpperCase()})',
        },
        200,
      );
      assert.ok(fast.some((out) => out.includes('"path":"\\/p\\/1')), 'lines pass through as written');
    }),
    { numRuns: 3, endOnFailure: true },
  );
});
