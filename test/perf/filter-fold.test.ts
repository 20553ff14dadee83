import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough, Readable } from 'node:stream';
import { VirtualClock } from '../../src/engine/clock.js';
import { ExpressionOperator } from '../../src/engine/operators/expression-operator.js';
import { PipeBoundary } from '../../src/engine/pipe-boundary.js';
import { readsOnly } from '../../src/engine/fast/reads-only.js';
import { runStage } from '../../src/engine/stage-runner.js';
import { StopSignal } from '../../src/engine/stop-signal.js';
import type { Downstream } from '../../src/engine/stream.js';
import { withFastPaths } from '../helpers/fast-paths.js';

// Consecutive filters as `sluice run` chains them (each behind a
// PipeBoundary): the first one folds the others into its whole-read path
// (KeepsByFields in src/engine/fast/fields-read.ts), so a later filter's
// data() sees almost no record, and each still counts the records that
// reached it. A filter that may change its record is not folded past, and
// nothing is with SLUICE_FAST=0. (The results against the pipe and against
// SLUICE_FAST=0: test/run/filter-chains.test.ts.)

interface Chained {
  out: string;
  warnings: string[];
  code: number;
  /** Records each filter got through data(), one by one. */
  data: number[];
  /** Each filter's recordsIn. */
  recordsIn: number[];
}

async function filters(exprs: string[], text: string, fast: boolean): Promise<Chained> {
  const output = new PassThrough();
  let out = '';
  output.setEncoding('utf8').on('data', (d: string) => (out += d));
  const warnings: string[] = [];
  const data = exprs.map(() => 0);
  const ops: ExpressionOperator[] = [];
  const bytes = Buffer.from(text);
  // Reads of 4 KB, as a pipe gives them.
  const chunks = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) => bytes.subarray(i * 4096, (i + 1) * 4096));
  const code = await withFastPaths(fast, () =>
    runStage({
      command: 'run',
      input: Readable.from(chunks, { objectMode: false }),
      output,
      clock: new VirtualClock(0),
      stop: new StopSignal(),
      warn: (line) => warnings.push(line),
      onError: { kind: 'skip' },
      maxLineBytes: 1 << 20,
      maxDepth: 100,
      fallbackInterval: 1000,
      boundedInput: true,
      build: (next, ctx) => {
        let downstream: Downstream = next;
        for (let i = exprs.length - 1; i >= 0; i--) {
          const op = new ExpressionOperator('filter', exprs[i]!, downstream, { ...ctx, command: 'filter' });
          const own = op.data.bind(op);
          op.data = (record, raw) => {
            data[i]!++;
            own(record, raw);
          };
          ops.unshift(op);
          downstream = i > 0 ? new PipeBoundary(op, ctx.errors) : op;
        }
        return downstream;
      },
    }),
  );
  return { out, warnings, code, data, recordsIn: ops.map((op) => op.recordsIn) };
}

const lines = Array.from({ length: 2000 }, (_, i) => `{"ts":"t${i}","path":"/p/${i % 37}","status":${[200, 404, 500][i % 3]},"bytes":${(i * 7919) % 1500},"tags":["a","b"]}`);
const input = lines.join('\n') + '\n';
const parsed = lines.map((l) => JSON.parse(l) as { path: string; status: number; bytes: number; tags: string[] });

test('two filters under run: the second is folded into the first one\'s whole reads', async () => {
  const r = await filters(['r.status >= 400 && r.path.startsWith("/p/1")', 'r.bytes > 100'], input, true);
  const keptByFirst = parsed.filter((p) => p.status >= 400 && p.path.startsWith('/p/1'));
  const kept = keptByFirst.filter((p) => p.bytes > 100);
  assert.equal(r.out, kept.map((p) => lines[parsed.indexOf(p)] + '\n').join(''));
  assert.ok(kept.length > 100);
  // Only the first read goes the general way (its first line starts the stage's clock).
  assert.ok(r.data[1]! < keptByFirst.length / 10, `the second filter took ${r.data[1]} of ${keptByFirst.length} records one by one`);
  assert.deepEqual(r.recordsIn, [lines.length, keptByFirst.length]);
});

test('four filters under run fold into one, each counting what reached it', async () => {
  const exprs = ['r.status > 0', 'r.status !== 500', 'r.bytes % 2 === 0', 'r.tags.includes("b") && r.path !== "/p/3"'];
  const r = await filters(exprs, input, true);
  const tests = [(p: (typeof parsed)[0]) => p.status > 0, (p: (typeof parsed)[0]) => p.status !== 500, (p: (typeof parsed)[0]) => p.bytes % 2 === 0, (p: (typeof parsed)[0]) => p.tags.includes('b') && p.path !== '/p/3'];
  const reached = [parsed];
  for (const t of tests) reached.push(reached.at(-1)!.filter(t));
  assert.equal(r.out, reached[4]!.map((p) => lines[parsed.indexOf(p)] + '\n').join(''));
  assert.ok(r.data.slice(1).every((n, i) => n < reached[i + 1]!.length / 10), `records one by one: ${r.data.join()}`);
  assert.deepEqual(r.recordsIn, reached.slice(0, 4).map((x) => x.length));
});

test('a filter that may change its record is not folded past; a last one that does still folds', async () => {
  const changing = await filters(['r.tags.pop() !== "z"', 'r.tags.length > 1'], input, true);
  assert.equal(changing.data[1], lines.length, 'the second filter took every record one by one');
  // Under one thread the second filter sees what the first did to the record: nothing kept.
  assert.equal(changing.out, '');
  const last = await filters(['r.status === 404', 'r.tags.pop() === "b"'], input, true);
  assert.ok(last.data[1]! < 30, `the second filter took ${last.data[1]} records one by one`);
  assert.equal(last.out, lines.filter((_, i) => i % 3 === 1).map((l) => l + '\n').join(''));
});

test('with SLUICE_FAST=0 nothing is folded, and the results are the same', async () => {
  const exprs = ['r.status >= 400', 'r.bytes > 100', 'r.path.length > 4'];
  const general = await filters(exprs, input, false);
  const fast = await filters(exprs, input, true);
  assert.equal(general.data[1], parsed.filter((p) => p.status >= 400).length);
  assert.deepEqual([general.out, general.warnings, general.code, general.recordsIn], [fast.out, fast.warnings, fast.code, fast.recordsIn]);
});

test('a record that throws in a folded filter goes the general way, reported by that filter', async () => {
  const odd = [...lines.slice(0, 700), '{"ts":"x","path":"/p/1","status":404,"bytes":5}', ...lines.slice(700)].join('\n') + '\n';
  const exprs = ['r.status >= 400', 'r.tags.length > 1 || r.bytes > 10'];
  const fast = await filters(exprs, odd, true);
  const general = await filters(exprs, odd, false);
  assert.deepEqual([fast.out, fast.warnings, fast.code, fast.recordsIn], [general.out, general.warnings, general.code, general.recordsIn]);
  assert.match(fast.warnings.join('\n'), /stdin:701: expression 'r\.tags\.length > 1 \|\| r\.bytes > 10' threw/);
  assert.ok(fast.data[1]! < 150, `the second filter took ${fast.data[1]} records one by one`);
});

test('readsOnly: expressions that read, and those that may change something', () => {
  for (const expr of [
    'r.status > 0',
    'r.status >= 400 && r.path.startsWith("/p/1")',
    'r.b?.c % 2 === 0 ? !r.x : r.tags.includes("a")',
    '/^\\/p/.test(r.path) && `${r.path}`.length > 3',
    'Number(r.b) + Math.max(r.x, 1) > JSON.stringify(r.y).length',
    'r.tags.slice(1).join(",") === "b" && new Date(r.ts).getTime() > 0',
    '({a: r.a}).a === [r.b, ...r.c][0]',
    'r',
  ]) assert.equal(withFastPaths(true, () => readsOnly(expr)), true, expr);
  for (const expr of [
    '(r.status = 0) || true',
    'r.tags.pop()',
    'delete r.x',
    'delete r.b.c',
    'r.n++',
    'r.b.c += 1',
    'r.tags.sort()[0] === "a"',
    'r.tags.reverse()',
    'r.tags.splice(0, 1)',
    'Object.assign(r.b, {c: 1})',
    '((x) => (x.c = 1))(r.b)',
    'r.tags.some((t) => t === "a")',
    'r.tags.forEach(function (t) {})',
    're.test(r.path)',
    'r.path.match(re)',
    'String.raw`${r.path}`',
    'new Proxy({}, {})',
    'Reflect.set(r.b, "c", 1)',
    'globalThis.x = r.b',
    '({get x() { return 1; }}).x',
    'this.x',
    'eval("r.x = 1")',
    'r.b["c"] = 1',
    '[r.x] = [1]',
    ')(',
  ]) assert.equal(withFastPaths(true, () => readsOnly(expr)), false, expr);
});
