import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { StageContext } from '../../src/engine/context.js';
import type { TimeUnit } from '../../src/engine/event-time.js';
import type { NdjsonWriter } from '../../src/engine/ndjson-writer.js';
import { ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import { WindowOperator, type WindowOptions } from '../../src/engine/operators/window.js';
import { PipeBoundary } from '../../src/engine/pipe-boundary.js';
import type { Downstream } from '../../src/engine/stream.js';
import { withFastPaths } from '../helpers/fast-paths.js';
import { sh, tempDir } from '../helpers/run.js';
import { chunks, sourceOver, stageOver } from '../helpers/stage-over.js';
import { STREAM_EPOCH } from '../helpers/stream.js';

// Event times that are JSON numbers or strings of one (with --time-unit) take the window
// stage's whole-read path as ISO strings do (issue 12): read in place by the
// layouts and converted by event-time.ts's epochMs, the general path's own
// conversion. Whatever the general path does with a number (an integer, a
// fraction, negative, an exponent, beyond safe integers, out of range, no
// unit) or with a time that is sometimes a string, null or missing, the fast
// path must print and report exactly that, lines cut into reads anywhere.

const cases = (n: number) => Math.max(1, Math.round(n * Number(process.env['SLUICE_DIFF_CASES'] ?? 1)));
const T = STREAM_EPOCH;
const MS_PER: Record<TimeUnit, number> = { ms: 1, s: 1000, us: 1e-3, ns: 1e-6 };

/** The text of epoch ms `ms` as a JSON number in `unit`, in one of the forms a producer writes. */
function numberText(ms: number, unit: TimeUnit, form: number, sub: number): string {
  if (unit === 'ns' && form < 2) return String(BigInt(ms) * 1_000_000n + BigInt(sub)); // beyond safe integers
  if (unit === 'us' && form < 2) return String(ms * 1000 + sub);
  const n = ms / MS_PER[unit];
  switch (form) {
    case 0:
      return String(Math.trunc(n));
    case 1:
      return String(n + sub / 1000); // a fraction (for ms too)
    case 2:
      return n.toExponential(); // 1.767225600123e+12
    case 3:
      return n.toExponential(4).replace('e+', 'E'); // 1.7672E12
    default:
      return `${Math.trunc(n)}000e-3`;
  }
}

/** A time value's JSON text: mostly a number in the stream's unit, sometimes odd numbers, strings, other values or invalid JSON. */
const time = (i: number, base: number, unit: TimeUnit) => {
  const ms = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: -3000, max: 500 }) }, { weight: 1, arbitrary: fc.constant(200_000) }).map((j) => base + i * 300 + j);
  return fc.oneof(
    { weight: 24, arbitrary: fc.tuple(ms, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 999 })).map(([t, form, sub]) => numberText(t, unit, form, sub)) },
    { weight: 2, arbitrary: fc.constantFrom('-0', '0', '-1.5', '0.0000001', '1e300', '-1e300', '9e15', '8.64e15', '-8.64e15', '8.63999999994e15', '1E3', '123456789012345678901234567890', '-1767225600123.999') },
    { weight: 2, arbitrary: ms.map((t) => JSON.stringify(new Date(t).toISOString())) },
    { weight: 1, arbitrary: ms.map((t) => `"${t}"`) },
    { weight: 1, arbitrary: fc.constantFrom('" 1767225600123 "', '"\t1767225600123"', '"\\t1767225600123"', '"1767225600\\u0031"', '"1767225600.5\r"', '"-1767225600.5"', '"1767225600."', '"1e12"', '"soon"', 'null', 'true', '{"a":1}', '[1]', '01', '1.', '+1', '.5', '1e', '-', 'NaN', 'Infinity', '1_000') },
  );
};
const user = fc.constantFrom('"u1"', '"u2"', '"x y"', '"é"', '"a\\"b"', '7', 'null');
const n = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -9, max: 999 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('1.5', 'null', '"7"', '[1,{"b":2}]') });
/** Key orders: the time first, in the middle, last, inside a nested object too, absent; `late` and `window` change what the stage writes. */
const layouts: string[][] = [['ts', 'user', 'n'], ['user', 'ts', 'n', 'ua'], ['n', 'ts'], ['meta', 'user', 'ts'], ['user', 'n'], ['ts', 'late', 'user'], ['ts', 'window']];
const layout = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(0, 1) }, { weight: 3, arbitrary: fc.constantFrom(2, 3, 4, 5, 6) });
const odd = fc.constantFrom('', '   ', 'not json', '{"ts": 1767225601000}', '{"__sluice":{"v":2,"type":"batch"}}', '{"ts":1767225601000,"n":1,}', '{"ts":1767225601000,"ts":1767225602000}', '{"ts":"2026-01-01T00:00:01.000Z","ts":1767225602000}', `{"ts":1767225601000,"user":"${'w'.repeat(400)}"}`);

function lineAt(i: number, base: number, unit: TimeUnit) {
  return fc.oneof(
    {
      weight: 30,
      arbitrary: fc.tuple(layout, time(i, base, unit), user, n, fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })).map(([l, ts, u, v, spaced]) => {
        const value = (k: string) => (k === 'ts' ? ts : k === 'user' ? u : k === 'meta' ? `{"ts":${v}}` : k === 'window' ? '{"start":"x"}' : k === 'late' ? 'false' : v);
        // Now and then spaced as Python's json.dumps writes a line.
        return '{' + layouts[l]!.map((k) => `"${k}":${spaced ? ' ' : ''}${value(k)}`).join(spaced ? ', ' : ',') + '}';
      }),
    },
    { weight: 2, arbitrary: odd },
  );
}

/** A stream's unit (none: every number is a bad record), its epoch (negative: before 1970) and its lines. */
const stream = fc
  .tuple(fc.constantFrom<TimeUnit | undefined>('ms', 's', 'us', 'ns', undefined), fc.constantFrom(T, -T), fc.integer({ min: 20, max: 120 }))
  .chain(([unit, base, count]) => fc.tuple(fc.constant(unit), fc.tuple(...Array.from({ length: count }, (_, i) => lineAt(i, base, unit ?? 'ms'))).map((lines) => lines.join('\n') + '\n')));
/** Where the text is cut into reads. */
const cuts = fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 12 });

const windowOptions = (unit: TimeUnit | undefined, sliding: boolean, late: 'drop' | 'emit', skew: boolean): WindowOptions => ({
  shape: { kind: 'fixed', size: 4000, slide: sliding ? 2000 : undefined },
  timeField: 'ts',
  timeUnit: unit,
  watermarkDelay: 1500,
  maxSkew: skew ? 60_000 : 0,
  late: { kind: late },
  limits: { maxKeys: 0, maxBytes: 0 },
});

function windowStage(o: WindowOptions, input: Buffer[], maxDepth: number, reduce: boolean): Promise<string[]> {
  return stageOver('window', input, maxDepth, (next, ctx) => new WindowOperator(o, reduce ? new ReduceByKeyOperator({ key: { fields: ['user'] }, aggregates: [{ kind: 'count' }] }, next, ctx) : next, ctx), { now: T + 30_000 });
}

test('numeric event times: the window stage takes whole reads exactly as SLUICE_FAST=0 takes lines', async () => {
  await fc.assert(
    fc.asyncProperty(stream, cuts, fc.boolean(), fc.constantFrom<'drop' | 'emit'>('drop', 'emit'), fc.boolean(), fc.constantFrom(1, 2, 100), fc.boolean(), async ([unit, s], sizes, sliding, late, skew, depth, reduce) => {
      const input = chunks(s, sizes);
      const o = windowOptions(unit, sliding, late, skew);
      const fast = await withFastPaths(true, () => windowStage(o, input, depth, reduce));
      const general = await withFastPaths(false, () => windowStage(o, input, depth, reduce));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(150) },
  );
});

/** reduce-by-key after the window under `sluice run`: keyed or summed by the numeric time itself too (its text captured by the layouts). */
const keyedReduce = fc.constantFrom<[string[], string | undefined]>([['user'], 'n'], [['ts'], undefined], [['user', 'n'], 'ts'], [['n'], 'ts']);

test('numeric event times under sluice run: source, window and reduce-by-key take whole reads exactly as SLUICE_FAST=0', async () => {
  await fc.assert(
    fc.asyncProperty(stream, cuts, fc.constantFrom<'batch' | 'update'>('batch', 'update'), fc.boolean(), keyedReduce, async ([unit, s], sizes, mode, skew, [fields, sum]) => {
      const input = chunks(s, sizes);
      const build = (writer: NdjsonWriter, ctx: StageContext): Downstream => {
        const aggregates = sum === undefined ? [{ kind: 'count' as const }] : [{ kind: 'count' as const }, { kind: 'sum' as const, field: sum }, { kind: 'max' as const, field: sum }];
        const reduce = new ReduceByKeyOperator({ key: { fields }, aggregates, mode }, writer, { ...ctx, maxDepth: 100 });
        return new WindowOperator(windowOptions(unit, false, 'drop', skew), new PipeBoundary(reduce, ctx.errors), ctx);
      };
      const o = { now: T + 30_000, boundedAt: T };
      const fast = await withFastPaths(true, () => sourceOver(input, 100, build, o));
      const general = await withFastPaths(false, () => sourceOver(input, 100, build, o));
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(100) },
  );
});

test('numeric event times take the whole-read path, in every unit and number form, strings of numbers too', async () => {
  for (const unit of ['ms', 's', 'us', 'ns'] as const) {
    // Two key orders (the time first, the time in the middle) in turn, every form of number, in order.
    const lines = Array.from({ length: 2000 }, (_, i) => {
      // Now and then the number as a string, which the unit makes a time too.
      const ts = i % 6 === 5 ? `"${numberText(T + i * 100, unit, 0, i % 1000)}"` : numberText(T + i * 100, unit, i % 5, i % 1000);
      return i % 3 === 0 ? `{"user":"u${i % 7}","ts":${ts},"n":${i}}` : `{"ts":${ts},"user":"u${i % 7}","n":${i}}`;
    });
    const input = chunks(lines.join('\n') + '\n', [2048]);
    let taken = 0;
    const o = windowOptions(unit, false, 'drop', false);
    const fast = await withFastPaths(true, () =>
      stageOver(
        'window',
        input,
        2,
        (next, ctx) => {
          const op = new WindowOperator(o, next, ctx);
          const take = op.takeLineBytes;
          assert.ok(take, 'the window stage offers whole reads');
          Object.assign(op, { takeLineBytes: (bytes: Buffer, from: number, end: number, max: number) => {
            const r = take(bytes, from, end, max);
            taken += r.lines;
            return r;
          } });
          return op;
        },
        { now: T + 30_000 },
      ),
    );
    // The reads until both layouts are learned take the general path; the rest is read in place.
    assert.ok(taken >= lines.length * 0.8, `${unit}: ${taken} of ${lines.length} lines taken whole`);
    assert.deepEqual(fast, await withFastPaths(false, () => windowStage(o, input, 2, false)));
  }
});

/** The stages of a pipe write to one stderr at once: their lines, each stage's in order, one stage after the other. */
function byStage(stderr: string): string[] {
  return stderr.split('\n').sort((a, b) => (a.split(':')[0]! < b.split(':')[0]! ? -1 : a.split(':')[0]! > b.split(':')[0]! ? 1 : 0));
}

test('bin/sluice over real pipes: numeric times print the same with the fast paths on and off', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const t0 = Date.parse('2026-03-01T10:00:00Z');
  // Several 64 KB reads of seconds with fractions, out of order, some late, some bad (ISO strings, null, missing, not JSON).
  const lines = Array.from({ length: 3000 }, (_, i) => {
    const ms = t0 + i * 100 + ((i * 7919) % 9000) - 4500;
    const ts = i % 401 === 17 ? 'null' : i % 293 === 5 ? `"${new Date(ms).toISOString()}"` : i % 5 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(3);
    if (i % 997 === 3) return 'not json';
    if (i % 661 === 9) return `{"status":${200 + (i % 3)}}`;
    return `{"ts":${ts},"user":"user${i % 13}","status":${200 + (i % 3) * 100},"ua":"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/121.0"}`;
  });
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  const window = 'window 1m --time-field ts --time-unit s --watermark 5s';
  const commands = [
    `sluice source file ${file} --format json --on-error skip | sluice ${window} --on-error skip | sluice reduce-by-key status --count | sluice sink`,
    `sluice ${window} --on-error skip --late emit < ${file}`,
    `sluice run 'source file ${file} --format json --on-error skip | ${window} --on-error skip | reduce-by-key user --count --mode update | sink'`,
  ];
  for (const command of commands) {
    const fast = await sh(command, { env: { SLUICE_FAST: '1' }, timeoutMs: 120_000 });
    const general = await sh(command, { env: { SLUICE_FAST: '0' }, timeoutMs: 120_000 });
    assert.equal(fast.code, 0, `${command}: ${fast.stderr}`);
    assert.ok(fast.stdout.split('\n').length > 20, command);
    assert.deepEqual([fast.code, fast.stdout, byStage(fast.stderr)], [general.code, general.stdout, byStage(general.stderr)], command);
  }
  // Without --on-error skip the first bad record stops the stage: the same message, line number and exit code.
  const failing = `sluice ${window} < ${file} > /dev/null`;
  const fast = await sh(failing, { env: { SLUICE_FAST: '1' }, timeoutMs: 120_000 });
  const general = await sh(failing, { env: { SLUICE_FAST: '0' }, timeoutMs: 120_000 });
  assert.match(fast.stderr, /^sluice window: stdin:4: /);
  assert.deepEqual([fast.code, fast.stderr], [general.code, general.stderr]);
});

test('a time whose window would reach outside the range of dates is a bad record, not a crash of the stage', async () => {
  // -8.64e15 ms is the first date; its 7 s window starts before it. 8.64e15 is the last; its window ends after it.
  const input = ['{"ts":-8.64e15}', '{"ts":1}', '{"ts":8.64e15,"n":1}', '{"ts":8639999999994000}'].join('\n') + '\n';
  const command = 'sluice window 7s --time-field ts --time-unit ms --max-skew off --on-error skip';
  const fast = await sh(command, { input, env: { SLUICE_FAST: '1' } });
  assert.deepEqual([fast.code, fast.stdout.split('\n').filter(Boolean).length], [0, 2], fast.stderr);
  assert.match(fast.stderr, /^sluice window: stdin:1: event time -271821-04-20T00:00:00\.000Z: its window would reach outside the range of dates; skipped/m);
  assert.match(fast.stderr, /^sluice window: stdin:3: event time \+275760-09-13T00:00:00\.000Z: its window would reach outside the range of dates; skipped/m);
  const general = await sh(command, { input, env: { SLUICE_FAST: '0' } });
  assert.deepEqual([fast.code, fast.stdout, fast.stderr], [general.code, general.stdout, general.stderr]);
});
