import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { VirtualClock } from '../../src/engine/clock.js';
import { ExpressionOperator, type ExpressionKind } from '../../src/engine/operators/expression-operator.js';
import { ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import { runStage } from '../../src/engine/stage-runner.js';
import { StopSignal } from '../../src/engine/stop-signal.js';
import { WindowOperator } from '../../src/engine/operators/window.js';
import { withFastPaths } from '../helpers/fast-paths.js';

// The differential property of the fast paths (issue 12): a stage run with
// them (fields inferred from the expression, records projected, lines taken
// undecoded) prints exactly what it prints with SLUICE_FAST=0, for random
// records and a generated family of expressions, diagnostics included.

type Build = (next: Parameters<Parameters<typeof runStage>[0]['build']>[0], ctx: Parameters<Parameters<typeof runStage>[0]['build']>[1]) => ReturnType<Parameters<typeof runStage>[0]['build']>;

async function stage(build: Build, text: string): Promise<string[]> {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = '';
  output.setEncoding('utf8').on('data', (d: string) => (out += d));
  const warnings: string[] = [];
  const done = runStage({
    command: 'map',
    input,
    output,
    clock: new VirtualClock(5_400),
    stop: new StopSignal(),
    warn: (line) => warnings.push(line),
    onError: { kind: 'skip' },
    maxLineBytes: 4096,
    maxDepth: 100,
    fallbackInterval: 1000,
    boundedInput: true,
    build,
  });
  input.end(text);
  const code = await done;
  return [`exit ${code}`, out, ...warnings];
}

/** How many generated cases each property runs: SLUICE_DIFF_CASES scales them (e.g. 0.1 for a quick run, 10 for a long one). */
const cases = (n: number) => Math.max(1, Math.round(n * Number(process.env['SLUICE_DIFF_CASES'] ?? 1)));

const both = async (build: Build, text: string) => [await withFastPaths(true, () => stage(build, text)), await withFastPaths(false, () => stage(build, text))];

const name = fc.constantFrom('a', 'b', 'c', 'a b', 'valueOf', 'toString', '__proto__', 'constructor');
const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('"', '\\', 'é', '\n', 'A'), fc.integer({ min: -500, max: 500 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const value = fc.oneof({ weight: 5, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 2 }) }, { weight: 1, arbitrary: fc.dictionary(name, scalar, { maxKeys: 2 }) });
const objectLine = fc.array(fc.tuple(name, value), { maxLength: 5 }).chain((pairs) =>
  fc.constantFrom(', ', ',').map((sep) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(sep)}}`),
);
const line = fc.oneof(
  { weight: 8, arbitrary: objectLine },
  { weight: 1, arbitrary: fc.constantFrom('3', '"s"', 'null', '[1]', 'not json', '{"a":1,"a":2}', ' {"a":1} ', '{"a":"\\u0041"}', '{"a":1', '{"b":{"c":1}}') },
);

// Expressions: what a user writes, including every way the record can escape.
const field = fc.constantFrom('r.a', 'r.b', 'r["a b"]', 'r[0]', 'r?.c', 'r.valueOf', 'r.a?.length', 'r.b?.c');
const test1 = fc.constantFrom('> 1', '=== "A"', '!= null', '', '?.toString() === "1"');
const condition = fc.oneof(
  fc.tuple(field, test1).map(([f, t]) => `${f} ${t}`),
  fc.tuple(field, field).map(([f, g]) => `${f} && !${g}`),
  fc.constantFrom('r.hasOwnProperty("b")', 'Object.keys(r).length > 1', 'r.toString() !== ""', 'typeof r === "object"', '"a" in r', 'r.a >= 1 && String(r.b).startsWith("x")', 'JSON.stringify(r).length > 8'),
);
const mapping = fc.oneof(
  fc.tuple(field, field).map(([f, g]) => `({x: ${f}, y: ${g}})`),
  fc.tuple(field).map(([f]) => `({...r, z: ${f}})`),
  fc.constantFrom(
    '({...r, kb: Math.floor(r.a / 1024), ok: r.b < 400})',
    '({...r, a: 1})',
    '({...r, u: undefined, s: r.a, f() {}})',
    '({...r, u: undefined, s: r.a})',
    '({...r, "1": 2, x: 1})',
    '({...r, "k y": r["a b"], z: [r.c]})',
    '({...r, big: 10n})',
    '({...r, t: r.a.b.c})',
    '({...r, d: new Date(0), n: -0, inf: 1 / 0})',
    '({...r, __proto__: null, x: 1})',
    '({...r, x: r, y: 1})',
  ),
  fc.constantFrom('r.valueOf()', 'r', 'r.a', '({n: Math.floor(r.a / 3), ok: r.b < 400})', '[r.a, r.b]', '({...r})', 'Object.assign({}, r, {k: 1})', '(r.a = 5, r)', '({a: r.a, ...r.b})'),
);
const flatMapping = fc.constantFrom(
  'r.a?.split?.(" ")', 'String(r.a).split("1")', 'r.b', '[r.a, r.c]', 'Object.values(r)', 'r.a.split("")',
  // Tokenisations run as a plan (fast/token-plan.ts) when the field is a string.
  'r.a.toLowerCase().split(/\\s+/).filter((w) => w !== "")', 'r.a.split(/[, ]+/)', 'r["a b"].toUpperCase().split(",").filter(Boolean)', 'r.a.split(/\\W/).filter((w) => w.length > 0)',
);

const kind = fc.constantFrom<ExpressionKind>('map', 'filter', 'flat');
const expression = kind.chain((k) => (k === 'filter' ? condition : k === 'map' ? mapping : flatMapping).map((e) => [k, e] as const));

test('map, filter and flat map print the same with and without the fast paths', async () => {
  await fc.assert(
    fc.asyncProperty(expression, fc.array(line, { maxLength: 12 }), async ([k, expr], lines) => {
      const [fast, general] = await both((next, ctx) => new ExpressionOperator(k, expr, next, ctx), lines.map((l) => l + '\n').join(''));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(400) },
  );
});

test('a filter before reduce-by-key in one stage prints the same with and without the fast paths', async () => {
  await fc.assert(
    fc.asyncProperty(condition, fc.constantFrom(['a'], ['a', 'b'], ['a b']), fc.array(line, { maxLength: 12 }), async (expr, keys, lines) => {
      const build: Build = (next, ctx) => new ExpressionOperator('filter', expr, new ReduceByKeyOperator({ key: { fields: keys }, aggregates: [{ kind: 'count' }, { kind: 'sum', field: 'c' }] }, next, ctx), ctx);
      const [fast, general] = await both(build, lines.map((l) => l + '\n').join(''));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(200) },
  );
});

// Event-time windows: the window stage reads only its time field (and window/late) and splices the window into each line.
const T = Date.UTC(2026, 0, 1);
const timeValue = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 20_000 }).map((ms) => new Date(T + ms).toISOString()) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 20_000 }).map((ms) => new Date(T + ms).toISOString().replace('.000Z', '+00:00')) },
  { weight: 1, arbitrary: fc.constantFrom('2026-01-01', '2026-02-30T00:00:00Z', 'soon', 5, null, '2026-01-01T00:00:01.5Z') },
);
const windowLine = fc
  .record({ ts: timeValue, k: fc.constantFrom('a', 'b'), extra: value, window: fc.option(fc.constant({ start: 'x' }), { nil: undefined }), late: fc.option(fc.boolean(), { nil: undefined }) }, { requiredKeys: ['k'] })
  .map((r) => JSON.stringify(r));
const windowInput = fc.array(fc.oneof({ weight: 6, arbitrary: windowLine }, { weight: 1, arbitrary: line }), { maxLength: 15 });

test('window (fixed and session) prints the same with and without the fast paths', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('fixed', 'sliding', 'session'), fc.boolean(), windowInput, async (shape, reduce, lines) => {
      const build: Build = (next, ctx) => {
        const after = reduce ? new ReduceByKeyOperator({ key: { fields: ['k'] }, aggregates: [{ kind: 'count' }] }, next, ctx) : next;
        const windowShape = shape === 'session' ? { kind: 'session' as const, gap: 3000, keyFields: ['k'] } : { kind: 'fixed' as const, size: 4000, slide: shape === 'sliding' ? 2000 : undefined };
        return new WindowOperator({ shape: windowShape, timeField: 'ts', watermarkDelay: 1500, maxSkew: 0, late: { kind: 'emit' }, limits: { maxKeys: 0, maxBytes: 0 } }, after, ctx);
      };
      const [fast, general] = await both(build, lines.map((l) => l + '\n').join(''));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(300) },
  );
});

// reduce-by-key at the head of a stage reads its keys and numbers from lines that share a layout (fast/keyed-lines.ts).
const windowValue = fc.oneof(
  fc.integer({ min: 0, max: 3 }).map((k) => ({ start: new Date(T + k * 60_000).toISOString(), end: new Date(T + (k + 1) * 60_000).toISOString() })),
  fc.constantFrom({ start: 'x', end: 'y' }, { start: new Date(T).toISOString() }, 5, null, [1]),
);
const reduceValue = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom('x', 'y', 'x'.repeat(14), '"', '\u0000', '1') },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 1.5, -0, 1e21, 123456789012345678, 0.1, [1], { a: 1 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);
/** Lines of one key order (as a stream has them), a few of other orders, spaces or numbers JSON.parse reads specially. */
const layoutLines = fc.tuple(fc.shuffledSubarray(['a', 'b', 'c', 'window', 'x'], { minLength: 1 }), fc.array(fc.tuple(reduceValue, reduceValue, reduceValue, windowValue, reduceValue, fc.boolean()), { maxLength: 14 })).map(([keys, rows]) =>
  rows.map(([a, b, c, w, x, keepWindow]) => {
    const values: Record<string, unknown> = { a, b, c, window: keepWindow ? w : undefined, x };
    return `{${keys.filter((k) => values[k] !== undefined).map((k) => `${JSON.stringify(k)}:${JSON.stringify(values[k])}`).join(',')}}`;
  }),
);
const oddLine = fc.constantFrom('{"a":1e400,"b":1}', '{"a":1,"b":1e400}', '{"a": 1,"b":2}', '{"a":-0,"b":0}', '{"a":1.0,"b":1}', '{"a":1,"a":2,"b":3}', '{"a":"\\u0078","b":1}', 'not json', '[1]', '{"b":2,"a":1}');
const aggregate = fc.constantFrom<{ kind: 'count' } | { kind: 'sum' | 'avg' | 'min' | 'max' | 'first'; field: string }>(
  { kind: 'count' },
  { kind: 'sum', field: 'b' },
  { kind: 'avg', field: 'c' },
  { kind: 'min', field: 'x' },
  { kind: 'max', field: 'c' },
  { kind: 'sum', field: 'a' },
  { kind: 'first', field: 'c' },
);

test('reduce-by-key reading keys and numbers from lines prints the same with and without the fast paths (issue 12.2c)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(['a'], ['a', 'b'], ['b', 'c', 'a'], ['x']),
      fc.uniqueArray(aggregate, { minLength: 1, maxLength: 3, selector: (a) => JSON.stringify(a) }),
      fc.constantFrom<'batch' | 'update' | 'complete'>('batch', 'update', 'complete'),
      layoutLines,
      fc.array(oddLine, { maxLength: 3 }),
      fc.nat(),
      async (keys, aggregates, mode, lines, odd, at) => {
        const all = [...lines];
        all.splice(at % (all.length + 1), 0, ...odd);
        const build: Build = (next, ctx) => new ReduceByKeyOperator({ key: { fields: keys }, aggregates, mode }, next, ctx);
        const [fast, general] = await both(build, all.map((l) => l + '\n').join(''));
        assert.deepEqual(fast, general);
      },
    ),
    { numRuns: cases(300) },
  );
});
