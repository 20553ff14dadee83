import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough, Readable } from 'node:stream';
import fc from 'fast-check';
import { VirtualClock } from '../../src/engine/clock.js';
import type { OnError } from '../../src/engine/error-policy.js';
import { ExpressionOperator } from '../../src/engine/operators/expression-operator.js';
import { runStage } from '../../src/engine/stage-runner.js';
import { StopSignal } from '../../src/engine/stop-signal.js';
import { withFastPaths } from '../helpers/fast-paths.js';
import { controlLine } from '../helpers/stream.js';

// A filter whose kept lines go to the writer reads the decoded lines of each
// read itself (src/engine/fast/filter-lines.ts) and writes runs of kept lines
// as bytes. The property: for any input cut into reads anywhere (inside a line,
// inside a multi-byte character), with or without an upstream sluice stream,
// the stage prints exactly what it prints with SLUICE_FAST=0, diagnostics and
// exit status included.

async function stage(expr: string, chunks: Buffer[], onError: OnError): Promise<string[]> {
  const output = new PassThrough();
  let out = '';
  output.setEncoding('utf8').on('data', (d: string) => (out += d));
  const warnings: string[] = [];
  const code = await runStage({
    command: 'filter',
    input: Readable.from(chunks, { objectMode: false }),
    output,
    clock: new VirtualClock(5_400),
    stop: new StopSignal(),
    warn: (line) => warnings.push(line),
    onError,
    maxLineBytes: 300,
    maxDepth: 3,
    fallbackInterval: 1000,
    boundedInput: true,
    build: (next, ctx) => new ExpressionOperator('filter', expr, next, ctx),
  });
  return [`exit ${code}`, out, ...warnings];
}

/** Stands for bytes that are not UTF-8 in generated text (see cut()). */
const INVALID = '\ue000';
const INVALID_BYTES = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82])];

/** The text cut into reads at the given byte offsets (which may fall inside a character); each INVALID becomes bytes that are not UTF-8. */
function cut(text: string, at: number[]): Buffer[] {
  const parts = text.split(INVALID);
  const bytes = Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [INVALID_BYTES[i % INVALID_BYTES.length]!, Buffer.from(part)])));
  const points = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) chunks.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  return chunks;
}

const str = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('GET', '/p/1', '/p/12?x=1', 'x'.repeat(20), '') },
  { weight: 3, arbitrary: fc.constantFrom('é', 'naïve ☃', '😀/p/1', '\u2028', 'für Oma', '\u0080\u00ff', 'gold') },
  // Escapes in a line leave it (and the rest of its read) to the general path.
  { weight: 1, arbitrary: fc.constantFrom('a"b', 'back\\slash', 'tab\there', '\u0000', '\ud800') },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }) },
);
const num = fc.oneof(fc.integer({ min: -5, max: 600 }), fc.constantFrom(0.5, -0, 1e21, 1e400, 123456789012345680000));
/** Objects of scalars, mostly in one layout (as a stream has them), with non-ASCII keys and values. */
const customer = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 20000 }), str).map(([id, tier]) => ({ id, tier })) },
  { weight: 1, arbitrary: fc.tuple(str, fc.constantFrom<unknown>(1, 'ü', null, true)).map(([tier, ü]) => ({ tier, ü })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 20000 }), str).map(([id, tier]) => ({ tier, id })) },
);
const value = fc.oneof(
  { weight: 4, arbitrary: str },
  { weight: 4, arbitrary: num },
  { weight: 2, arbitrary: customer },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [1, 'a'], { x: 1 }, { x: { y: [1] } }, [], ['b2b', 'für']) },
);
const keys = ['status', 'path', 'ua', 'x', 'ké'];
/** Lines mostly of one key order, as a stream has them; numbers and strings written as JSON.stringify would, or in other ways JSON allows. */
const layoutLine = fc.tuple(fc.shuffledSubarray(keys, { minLength: 1 }), fc.constantFrom(0, 0, 0, 1), fc.tuple(value, value, value, value, value)).map(([order, variant, values]) => {
  const members = order.map((k, i) => `${JSON.stringify(k)}:${JSON.stringify(values[i])}`);
  return variant === 0 ? `{${members.join(',')}}` : `{${members.join(', ')}}`;
});
const fixedOrder = fc
  .tuple(value, value, value, customer)
  .map(([s, p, u, c]) => `{"status":${JSON.stringify(s)},"path":${JSON.stringify(p)},"ua":${JSON.stringify(u)},"ké":${JSON.stringify(c)}}`);
const odd = fc.constantFrom(
  '',
  '   ',
  '{"status":500,"path":"/p/1"}\r',
  ' {"status":500,"path":"/p/1"}',
  '{"status":500,"path":"/p/1" }',
  '{"status":500,"path":"/p/1","ua":null}}',
  '{"status":500,"path":"/p/1","ua":1}x',
  '{"status":500,"path":"/p/1","ua":"a"} ',
  '{"status":500,"path":"/p/1","ua":"a"}{"status":1}',
  '{"status":500,"path":"/p/1","ua":"a"}\r',
  '{"status":500,"status":200}',
  '{"status":5e2,"path":"/p/\\u0031"}',
  '{"status":500,"path":"/p/1"',
  '{"status":05}',
  'not json',
  '[1,2]',
  '7',
  '{"__sluice":{"v":2,"token":"forged","type":"eos"}}',
  '{"_id":1,"status":500,"path":"/p/1"}',
  `{"status":500,"path":"${'y'.repeat(320)}"}`,
  '{"status":500,"path":"\\ud83d\\ude00"}',
  '{"path":{"deep":{"er":{"still":[1]}}},"status":1}',
  '{"__proto__":1,"status":500}',
  // Numbers as JSON allows but JSON.stringify never writes them, read by a typed layout learned from a plain one.
  '{"status":-0,"path":"/p/1","ua":"x"}',
  '{"status":4E2,"path":"/p/1","ua":"x"}',
  '{"status":400.50,"path":"/p/1","ua":"x"}',
  '{"status":63602885461655141,"path":"/p/1","ua":"x"}',
  '{"status":-697118368034091481,"path":"/p/1","ua":"x"}',
  '{"status":999999999999999,"path":"/p/1","ua":"x"}',
  // Bytes that are not UTF-8, a nested `__proto__`, a wanted key spelt with an escape.
  `{"status":500,"path":"/p/1${INVALID}","ua":"x"}`,
  `{"status":500,"path":"é","ua":{"id":1,"tier":"${INVALID}"}}`,
  '{"status":500,"path":"é","ua":{"__proto__":1,"tier":"gold"}}',
  '{"status":500,"path":"é","ua":{"id":1,"tier":"gold","id":2}}',
  '{"status":500,"k\\u00e9":"ö","ua":"x"}',
);
/** Lines of 296 to 303 bytes (--max-line-bytes 300 in stage()), most of them two-byte characters. */
const nearLimit = fc
  .tuple(fc.integer({ min: 136, max: 139 }), fc.constantFrom('', 'x'))
  .map(([n, x]) => `{"status":500,"path":"${'é'.repeat(n)}${x}"}`);
const line = fc.oneof({ weight: 5, arbitrary: fixedOrder }, { weight: 2, arbitrary: layoutLine }, { weight: 1, arbitrary: odd }, { weight: 1, arbitrary: nearLimit });

const expression = fc.constantFrom(
  'r.status >= 400 && r.path.startsWith("/p/1")',
  'r.status > 0',
  'true',
  'r.path',
  'r.path.length > 3',
  'r.ua?.x',
  'r.status.toFixed(0) !== "7"',
  'Object.is(r.status, -0) || r.status % 2 === 1',
  'r.status === 63602885461655141 || r.status === -697118368034091481 || r.status === 400.5',
  'r["path"] === "é" || r.status === -0',
  'typeof r.x === "object"',
  '!r.missing',
  'r.ua?.tier === "gold" || r["ké"]?.tier === "für Oma"',
  'Object.keys(r["ké"] ?? {}).join() === "id,tier" && r.path !== "é"',
  'r.path.includes("ö") || r.x?.tier?.length > 2 || r["ké"] === "ö"',
  'JSON.stringify(r.ua).length % 3 === 0',
);

const input = fc.tuple(fc.array(line, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 30 }), fc.boolean(), fc.constantFrom(true, true, false));

function streamText(lines: string[], upstream: boolean, finalNewline: boolean): string {
  let all = lines;
  if (upstream) {
    // A sluice stream: control records, with its token, between the data lines.
    const mid = Math.floor(lines.length / 2);
    all = [
      controlLine({ type: 'start', interval: 1000, bounded: true, firstBatchStart: 0 }),
      ...lines.slice(0, mid),
      controlLine({ type: 'batch', id: 0, start: 0, end: 1000 }),
      ...lines.slice(mid),
      controlLine({ type: 'end' }),
      controlLine({ type: 'batch', id: 1, start: 1000, end: 2000 }),
      controlLine({ type: 'eos' }),
    ];
  }
  const text = all.join('\n');
  return finalNewline || upstream ? text + '\n' : text;
}

for (const onError of [{ kind: 'skip' }, { kind: 'fail' }] as OnError[]) {
  test(`a filter reading whole reads prints the same with and without the fast paths (--on-error ${onError.kind})`, async () => {
    await fc.assert(
      fc.asyncProperty(expression, input, async (expr, [lines, at, upstream, finalNewline]) => {
        const chunks = cut(streamText(lines, upstream, finalNewline), at);
        const fast = await withFastPaths(true, () => stage(expr, chunks, onError));
        const general = await withFastPaths(false, () => stage(expr, chunks, onError));
        assert.deepEqual(fast, general);
      }),
      { numRuns: Math.max(1, Math.round(200 * Number(process.env['SLUICE_DIFF_CASES'] ?? 1))) },
    );
  });
}

/** A filter stage over `chunks` with fast paths on: what it prints, and the decode flag of each takeText call with the lines it took. */
async function filterTaking(expr: string, chunks: Buffer[]): Promise<{ out: string; taken: number; calls: boolean[] }> {
  const calls: boolean[] = [];
  let taken = 0;
  const output = new PassThrough();
  let out = '';
  output.setEncoding('utf8').on('data', (d: string) => (out += d));
  await withFastPaths(true, () =>
    runStage({
      command: 'filter',
      input: Readable.from(chunks, { objectMode: false }),
      output,
      clock: new VirtualClock(0),
      stop: new StopSignal(),
      warn: () => undefined,
      onError: { kind: 'fail' },
      maxLineBytes: 1 << 20,
      maxDepth: 100,
      fallbackInterval: 1000,
      boundedInput: true,
      build: (next, ctx) => {
        const op = new ExpressionOperator('filter', expr, next, ctx);
        const takeText = op.takeText.bind(op);
        op.takeText = (text, bytes, from, decode, max) => {
          const t = takeText(text, bytes, from, decode, max);
          calls.push(decode);
          taken += t.lines;
          return t;
        };
        return op;
      },
    }),
  );
  return { out, taken, calls };
}

test('the fast filter takes lines after the first read, and writes the same bytes', async () => {
  // Guards against a property that passes only because the fast path never ran.
  const lines = Array.from({ length: 200 }, (_, i) => `{"status":${400 + (i % 3)},"path":"/p/${i}é","ua":"x"}`);
  const { out, taken } = await filterTaking('r.status > 400 && r.path.startsWith("/p/1")', cut(lines.join('\n') + '\n', [100, 1000, 1001, 5000]));
  assert.ok(taken > 150, `the fast path took ${taken} lines`);
  assert.equal(out, lines.filter((l, i) => i % 3 !== 0 && l.includes('"/p/1')).map((l) => l + '\n').join(''));
});

test('the fast filter takes the non-ASCII reads in the byte view, nested reads included, and writes the same bytes (issue 12)', async () => {
  const lines = Array.from(
    { length: 300 },
    (_, i) => `{"t":"2025-11-24T16:00:00.0${i % 10}+00:00","customer":{"id":${i},"tier":"${i % 4 === 0 ? 'gold' : 'nöne'}"},"price":${i % 7}.5,"tags":["b2b"],"note":"für Oma ${i}"}`,
  );
  const expr = 'r.price > 2 && r.customer.tier === "gold" && r.note.startsWith("für")';
  const { out, taken, calls } = await filterTaking(expr, cut(lines.join('\n') + '\n', [100, 1000, 1001, 5000, 5001, 5002]));
  assert.ok(taken > 250 && calls.every((d) => d), `the fast path took ${taken} lines, decode ${calls.join()}`);
  assert.equal(out, lines.filter((_, i) => i % 4 === 0 && i % 7 > 1).map((l) => l + '\n').join(''));
});
