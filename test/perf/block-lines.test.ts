import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NdjsonWriter } from '../../src/engine/ndjson-writer.js';
import { ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import { WindowOperator, type WindowOptions } from '../../src/engine/operators/window.js';
import { PipeBoundary } from '../../src/engine/pipe-boundary.js';
import type { Downstream } from '../../src/engine/stream.js';
import type { StageContext } from '../../src/engine/context.js';
import { withFastPaths } from '../helpers/fast-paths.js';
import { boundedStream, controlLine, STREAM_EPOCH } from '../helpers/stream.js';
import { chunks, sourceOver, stageOver as stageOverPipe } from '../helpers/stage-over.js';

// Lines taken a whole read at a time (issue 12.1): the window stage's
// takeLineBytes, `source file --format json` copying checked lines as bytes,
// and the source handing its reads to the chain's head under `sluice run`.
// These paths only run from the second read on, so the input comes in many
// small chunks; each case must print exactly what SLUICE_FAST=0 prints,
// diagnostics, positions, late records and watermarks included.

const cases = (n: number) => Math.max(1, Math.round(n * Number(process.env['SLUICE_DIFF_CASES'] ?? 1)));
const T = STREAM_EPOCH;
const iso = (ms: number) => new Date(T + ms).toISOString();

/** Times mostly in order with jitter (some late behind a 1.5 s watermark), in the forms a stream has and some it rarely has. */
const time = (i: number) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: -3000, max: 500 }).map((j) => iso(i * 300 + j)) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 500 }).map((j) => iso(i * 300 + j).replace('Z', '+00:00')) },
    { weight: 1, arbitrary: fc.constant(iso(i * 300 + 200_000)) },
    { weight: 1, arbitrary: fc.constantFrom('2026-01-01', '2026-01-01T00:00:01,5Z', '2026-01-01 00:00:02Z', '2026-02-30T00:00:00Z', 'soon', 5, null, '2026-01-01T00:00:01.123456789Z') },
  );
const user = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('u1', 'u2', 'x y') }, { weight: 1, arbitrary: fc.constantFrom('a"b', 'é', '\u0001', '\t', '\\') });
const n = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -9, max: 999 }) }, { weight: 1, arbitrary: fc.constantFrom(1.5, null, true, { a: [1] }, [1, { b: 2 }], { a: { b: { c: 1 } } }, 'é€') });
const layouts: string[][] = [['ts', 'user', 'n'], ['user', 'ts', 'n', 'ua'], ['n', 'ts'], ['ts', 'window'], ['ts', 'late', 'user'], ['_x', 'ts'], ['user', 'n']];
const layout = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(0, 1) }, { weight: 2, arbitrary: fc.constantFrom(2, 3, 4, 5, 6) });
const odd = fc.constantFrom('', '   ', 'not json', '{"ts": "2026-01-01T00:00:01Z"}', '{"__sluice":{"v":2,"type":"batch"}}', '{"ts":"2026-01-01T00:00:01.000Z","n":1,}', '{"ts":"2026-01-01T00:00:01.000Z","n":01}', `{"ts":"2026-01-01T00:00:01.000Z","user":"${'w'.repeat(400)}"}`, '{"ts":"2026\\u002d01-01T00:00:01Z","n":1}', '{"ts":"2026-01-01T00:00:01.000Z","ts":"2026-01-01T00:00:02.000Z"}', '{"ts":"2026-01-01T00:00:01.000Z","user":"u1","user":"u2","n":1}', '{"user":"u1","ts":"2026-01-01T00:00:01.000Z","user":"u2"}', '{"n":1,"ts":"2026-01-01T00:00:01.000Z","n":2}');

const lineAt = (i: number) =>
  fc.oneof(
    { weight: 30, arbitrary: fc.tuple(layout, time(i), user, n).map(([l, ts, u, v]) => JSON.stringify(Object.fromEntries(layouts[l]!.map((k) => [k, k === 'ts' ? ts : k === 'user' ? u : k === 'window' ? { start: 'x' } : k === 'late' ? false : v])))) },
    { weight: 2, arbitrary: odd },
    { weight: 1, arbitrary: fc.tuple(time(i), user).map(([ts, u]) => JSON.stringify({ ts, user: u }) + '\r') },
  );
const text = fc.integer({ min: 20, max: 120 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => lineAt(i)))).map((lines) => lines.join('\n') + '\n');
/** Where the text is cut into reads. */
const cuts = fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 12 });

const windowOptions = (shape: 'tumbling' | 'sliding', late: 'drop' | 'emit', skew: boolean): WindowOptions => ({
  shape: { kind: 'fixed', size: 4000, slide: shape === 'sliding' ? 2000 : undefined },
  timeField: 'ts',
  watermarkDelay: 1500,
  maxSkew: skew ? 60_000 : 0,
  late: { kind: late },
  limits: { maxKeys: 0, maxBytes: 0 },
});

function windowStage(o: WindowOptions, input: Buffer[], maxDepth: number, reduce: boolean): Promise<string[]> {
  return stageOver('window', input, maxDepth, (next, ctx) => new WindowOperator(o, reduce ? new ReduceByKeyOperator({ key: { fields: ['user'] }, aggregates: [{ kind: 'count' }] }, next, ctx) : next, ctx));
}

test('the window stage takes whole reads of lines exactly as it takes them line by line', async () => {
  await fc.assert(
    fc.asyncProperty(text, cuts, fc.constantFrom<'tumbling' | 'sliding'>('tumbling', 'sliding'), fc.constantFrom<'drop' | 'emit'>('drop', 'emit'), fc.boolean(), fc.constantFrom(1, 2, 100), fc.boolean(), async (s, sizes, shape, late, skew, depth, reduce) => {
      const input = chunks(s, sizes);
      const o = windowOptions(shape, late, skew);
      const fast = await withFastPaths(true, () => windowStage(o, input, depth, reduce));
      const general = await withFastPaths(false, () => windowStage(o, input, depth, reduce));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(150) },
  );
});

/** A source reading `input` as one file, read by read, its records going to `build(writer)`; what it prints and reports. */
function source(input: Buffer[], maxDepth: number, build: (writer: NdjsonWriter, ctx: StageContext) => Downstream): Promise<string[]> {
  return sourceOver(input, maxDepth, build, { now: T + 30_000, boundedAt: T });
}

test('source --format json copies whole reads of checked lines exactly as it writes them line by line', async () => {
  await fc.assert(
    fc.asyncProperty(text, cuts, fc.constantFrom(1, 2, 100), async (s, sizes, depth) => {
      const input = chunks(s, sizes);
      const fast = await withFastPaths(true, () => source(input, depth, (writer) => writer));
      const general = await withFastPaths(false, () => source(input, depth, (writer) => writer));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(150) },
  );
});

/** Keys and aggregates of a reduce-by-key after the window: fields before, after and at the time field, several, absent, numbers. */
const keyedReduce = fc.constantFrom<[string[], string | undefined]>([['user'], 'n'], [['ts'], undefined], [['user', 'n'], 'n'], [['n'], undefined], [['late'], 'n'], [['ua', 'user'], undefined], [['_x'], 'n']);

test('under sluice run the source hands whole reads to a window then reduce-by-key exactly as line by line', async () => {
  await fc.assert(
    fc.asyncProperty(text, cuts, fc.constantFrom('batch', 'update') as fc.Arbitrary<'batch' | 'update'>, fc.boolean(), keyedReduce, fc.constantFrom(1, 2, 100), async (s, sizes, mode, skew, [fields, sum], reduceDepth) => {
      const input = chunks(s, sizes);
      // The window checks lines under the source's --max-depth, reduce-by-key under its own (the window's lines nest two levels).
      const build = (writer: NdjsonWriter, ctx: StageContext): Downstream => {
        const aggregates = sum === undefined ? [{ kind: 'count' as const }] : [{ kind: 'count' as const }, { kind: 'sum' as const, field: sum }, { kind: 'max' as const, field: sum }];
        const reduce = new ReduceByKeyOperator({ key: { fields }, aggregates, mode }, writer, { ...ctx, maxDepth: reduceDepth });
        return new WindowOperator(windowOptions('tumbling', 'drop', skew), new PipeBoundary(reduce, ctx.errors), ctx);
      };
      const fast = await withFastPaths(true, () => source(input, 100, build));
      const general = await withFastPaths(false, () => source(input, 100, build));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(150) },
  );
});

const keyLine = fc.constantFrom('{"user":"u1"}', '{"user":"u2"}', '{"user":"é"}', '{"user":1}', '{"user":"a\\"b"}', '{"user":"u1","n":1}', 'not json', '', '{"user":"u3"}\r', '{"__sluice":{"v":2}}');
const keyText = fc.array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom('{"user":"u1"}', '{"user":"u2"}') }, { weight: 2, arbitrary: keyLine }), { minLength: 20, maxLength: 150 }).map((lines) => lines.join('\n') + '\n');

test('under sluice run the source hands whole reads to reduce-by-key --count (its count lane) exactly as line by line', async () => {
  await fc.assert(
    fc.asyncProperty(keyText, cuts, async (s, sizes) => {
      const input = chunks(s, sizes);
      const build = (writer: NdjsonWriter, ctx: StageContext): Downstream => new ReduceByKeyOperator({ key: { fields: ['user'] }, aggregates: [{ kind: 'count' }] }, writer, ctx);
      const fast = await withFastPaths(true, () => source(input, 100, build));
      const general = await withFastPaths(false, () => source(input, 100, build));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(100) },
  );
});

/** A stage reading `input` from a pipe, read by read: what it prints and reports. */
function stageOver(command: string, input: Buffer[], maxDepth: number, build: (next: Downstream, ctx: StageContext) => Downstream): Promise<string[]> {
  return stageOverPipe(command, input, maxDepth, build, { now: T + 30_000 });
}

/** Windows as the window stage labels them, and some it never writes. */
const windowValue = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 5 }).map((w) => ({ start: iso(w * 4000), end: iso(w * 4000 + 4000) })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({ start: 'x' }, { start: iso(0) }, null, 5, [iso(0), iso(4000)], { start: iso(8000), end: iso(4000) }) },
);
const keyedLayouts: string[][] = [['ts', 'user', 'n', 'window'], ['user', 'window'], ['window', 'n', 'user'], ['user', 'n'], ['ts', 'user', 'window', 'user']];
/** Lines the window stage writes (and others) with control records between them: batches and watermarks in mid-read. */
const windowedText = fc
  .array(
    fc.oneof(
      { weight: 30, arbitrary: fc.tuple(fc.oneof({ weight: 12, arbitrary: fc.constantFrom(0, 1, 2) }, { weight: 1, arbitrary: fc.constantFrom(3, 4) }), user, n, windowValue).map(([l, u, v, w]) => '{' + keyedLayouts[l]!.map((k) => `${JSON.stringify(k)}:${JSON.stringify(k === 'ts' ? iso(0) : k === 'user' ? u : k === 'window' ? w : v)}`).join(',') + '}') },
      { weight: 2, arbitrary: odd },
      { weight: 3, arbitrary: windowValue.map((w) => JSON.stringify({ user: 'w'.repeat(300), window: w })) },
      { weight: 1, arbitrary: keyLine },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }).map((w) => controlLine({ type: 'watermark', t: T + w * 4000 })) },
    ),
    { minLength: 20, maxLength: 150 },
  )
  .map((lines) => boundedStream(lines, 17));

test('reduce-by-key reading a pipe takes whole reads (count lane and keyed lines) exactly as line by line', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(windowedText, keyText), cuts, fc.constantFrom('batch', 'update', 'append', 'complete') as fc.Arbitrary<'batch' | 'update' | 'append' | 'complete'>, fc.boolean(), fc.constantFrom(1, 2, 100), async (s, sizes, mode, sum, depth) => {
      const input = chunks(s, sizes);
      const aggregates = sum ? [{ kind: 'count' as const }, { kind: 'sum' as const, field: 'n' }] : [{ kind: 'count' as const }];
      const build = (next: Downstream, ctx: StageContext): Downstream => new ReduceByKeyOperator({ key: { fields: ['user'] }, aggregates, mode }, next, ctx);
      const fast = await withFastPaths(true, () => stageOver('reduce-by-key', input, depth, build));
      const general = await withFastPaths(false, () => stageOver('reduce-by-key', input, depth, build));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(150) },
  );
});
