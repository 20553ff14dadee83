import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Downstream } from '../../src/engine/stream.js';
import { withFastPaths } from '../helpers/fast-paths.js';
import { chunks, stageOver } from '../helpers/stage-over.js';
import { boundedStream, controlLine, STREAM_EPOCH } from '../helpers/stream.js';

// A stage whose chain is its writer alone (`sluice sink` to stdout) takes
// whole reads: lines of learned layouts are checked in place and copied as
// the input's bytes (fast/copy-lines.ts). On any mix of lines (layouts that
// change, escapes, non-ASCII, CR, blank, invalid JSON, control-shaped data,
// lines over --max-line-bytes), with and without control records, cut into
// reads anywhere, it prints and reports exactly what SLUICE_FAST=0 does.

const cases = (n: number) => Math.max(1, Math.round(n * Number(process.env['SLUICE_DIFF_CASES'] ?? 1)));
const T = STREAM_EPOCH;

const value = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'u1', 'x y', 1, 250, -3.5, true, null) },
  { weight: 2, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom('a"b', 'é€', '😀', '\u0001', '\\', { a: [1, { b: 2 }] }, [1, 2], 'w'.repeat(300)) },
);
const layouts = [['value'], ['ts', 'user', 'n'], ['user', 'n'], ['n'], ['_x', 'y'], ['a', 'a']];
const lineOf = (ks: string[], vs: unknown[]) => '{' + ks.map((k, i) => `${JSON.stringify(k)}:${JSON.stringify(vs[i])}`).join(',') + '}';
const odd = fc.constantFrom('', '   ', 'not json', '{"a": 1}', ' {"a":1}', '{"a":1,}', '{"a":01}', '[1,2]', '"text"', '7', '{"__sluice":{"v":2,"type":"batch"}}', '{"__sluicex":1}', '{"a":{"b":{"c":{"d":1}}}}', '{"a":1}\r', '{"a":"\\u0041"}');
/** Mostly one layout (the stream's), some lines of another, some odd ones. */
const lines = fc.integer({ min: 0, max: layouts.length - 1 }).chain((main) =>
  fc.array(
    fc.oneof(
      { weight: 30, arbitrary: fc.array(value, { minLength: 3, maxLength: 3 }).map((vs) => lineOf(layouts[main]!, vs)) },
      { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 0, max: layouts.length - 1 }), fc.array(value, { minLength: 3, maxLength: 3 })).map(([l, vs]) => lineOf(layouts[l]!, vs)) },
      { weight: 2, arbitrary: odd },
    ),
    { minLength: 20, maxLength: 300 },
  ),
);

const withControls = (data: string[]): string => boundedStream(data, 23);

test('a stage whose chain is its writer copies whole reads of valid lines exactly as it writes them line by line', async () => {
  await fc.assert(
    fc.asyncProperty(lines, fc.boolean(), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 10 }), fc.constantFrom(1, 2, 100), async (data, controls, sizes, depth) => {
      const reads = chunks(controls ? withControls(data) : data.join('\n') + '\n', sizes);
      const build = (next: Downstream): Downstream => next;
      const o = { now: T + 30_000 };
      const fast = await withFastPaths(true, () => stageOver('sink', reads, depth, build, o));
      const general = await withFastPaths(false, () => stageOver('sink', reads, depth, build, o));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(100) },
  );
});
