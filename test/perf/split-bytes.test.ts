import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { VirtualClock } from '../../src/engine/clock.js';
import { controlLine } from '../helpers/stream.js';
import { ExpressionOperator } from '../../src/engine/operators/expression-operator.js';
import { runStage } from '../../src/engine/stage-runner.js';
import { StopSignal } from '../../src/engine/stop-signal.js';
import { withFastPaths } from '../helpers/fast-paths.js';
import { probeText, tokenisation } from './tokenisations.js';
import { bytePlanOf, splitLinesToBytes } from '../../src/engine/fast/field-split.js';
import { tokenPlanOf } from '../../src/engine/fast/token-plan.js';
import { NdjsonWriter } from '../../src/engine/ndjson-writer.js';

// In a map stage, a planned tokenisation (r.F.split("c"), r.F.toLowerCase().split(/\s+/), ...)
// turns undecoded `{"F":"text"}` lines straight into output bytes (src/engine/fast/field-split.ts splitLinesToBytes).
// Whatever the lines and however they are cut into reads, the stage must print
// exactly what evaluating the expression prints, with the same diagnostics.

const tick = () => new Promise((r) => setImmediate(r));

async function mapStage(expr: string, chunks: Buffer[], maxLineBytes = 64): Promise<string[]> {
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
    warn: (line) => warnings.push(line.replaceAll(expr, 'EXPR')),
    onError: { kind: 'skip' },
    maxLineBytes,
    maxDepth: 100,
    fallbackInterval: 1000,
    build: (next, ctx) => new ExpressionOperator('flat', expr, next, ctx),
  });
  for (const c of chunks) {
    input.write(c);
    await tick();
  }
  input.end();
  const code = await done;
  return [`exit ${code}`, out, ...warnings];
}

const word = fc.stringOf(fc.constantFrom('a', 'b', ' ', ',', 'é', '"', '\\', '\t', '~'), { maxLength: 8 });
const line = fc.oneof(
  { weight: 8, arbitrary: fc.stringOf(fc.constantFrom('w', '1', ' ', ' ', ','), { maxLength: 20 }).map((v) => JSON.stringify({ value: v })) },
  { weight: 2, arbitrary: word.map((v) => JSON.stringify({ value: v })) },
  { weight: 1, arbitrary: fc.constantFrom('{"value":1}', '{"other":"x","value":"a b"}', 'not json', '', '{"value":"a b"}\r', `{"value":"${'x '.repeat(40)}"}`, '{"value" : "a b"}', '{"value":"a b"} ', '{"value":"a\\u0020b c"}', '{"value":"x\\\\ y"}') },
);

test('flat map r.value.split(" ") from undecoded bytes prints what evaluating the expression prints', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 30 }), fc.boolean(), fc.array(fc.nat(400), { maxLength: 5 }), async (lines, upstream, cuts) => {
      const body = lines.map((l) => l + '\n').join('');
      const text = upstream ? `${controlLine({ type: 'start', interval: 1000, bounded: false, firstBatchStart: 5000 })}\n${body}${controlLine({ type: 'eos' })}\n` : body;
      const bytes = Buffer.from(text);
      const at = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
      const chunks = [0, ...at].map((from, i) => bytes.subarray(from, [...at, bytes.length][i]));
      assert.deepEqual(await withFastPaths(true, () => mapStage('r.value.split(" ")', chunks)), await withFastPaths(false, () => mapStage('r.value.split(" ")', chunks)));
    }),
    { numRuns: 300 },
  );
});

test('escapes in a line send it to the parser: the bytes path never splits inside one', async () => {
  const chunks = [Buffer.from('{"value":"w"}\n'), Buffer.from('{"value":"a b"}\n{"value":"a\\u0020b c"}\n{"value":"x\\\\ y"}\n{"value":"p q"}\n')];
  const out = await withFastPaths(true, () => mapStage('r.value.split(" ")', chunks));
  assert.deepEqual(out, await withFastPaths(false, () => mapStage('r.value.split(" ")', chunks)));
  assert.equal(out[1], ['w', 'a', 'b', 'a', 'b', 'c', 'x\\', 'y', 'p', 'q'].map((v) => JSON.stringify({ value: v }) + '\n').join(''));
});

/** A line `{"value": text}` as JSON.stringify writes it, or with some characters written as \\u escapes (still the same JSON). */
const valueLine = fc.tuple(probeText, fc.boolean()).map(([v, escape]) => {
  const text = JSON.stringify(v);
  return `{"value":${escape ? text.replace(/[ Aa,]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`) : text}}`;
});
const anyLine = fc.oneof({ weight: 6, arbitrary: valueLine }, { weight: 1, arbitrary: line });

test('any tokenisation from undecoded bytes prints what evaluating the expression prints', async () => {
  await fc.assert(
    fc.asyncProperty(tokenisation, fc.array(anyLine, { maxLength: 20 }), fc.array(fc.nat(300), { maxLength: 4 }), async (expr, lines, cuts) => {
      const bytes = Buffer.from(lines.map((l) => l + '\n').join(''));
      const at = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
      // The stage takes lines undecoded only once its first line told it the input has no control records: one line alone first.
      const chunks = [Buffer.from('{"value":"W x"}\n'), ...[0, ...at].map((from, i) => bytes.subarray(from, [...at, bytes.length][i]))];
      assert.deepEqual(await withFastPaths(true, () => mapStage(expr, chunks)), await withFastPaths(false, () => mapStage(expr, chunks)), expr);
    }),
    { numRuns: 600 },
  );
});

test('escapes of ASCII characters are read on the bytes path: separators split, others are written as JSON.stringify writes them', async () => {
  const expr = 'r.value.toLowerCase().split(/\\s+/).filter((w) => w !== "")';
  const chunks = [Buffer.from('{"value":"W"}\n'), Buffer.from('{"value":"A\\tB\\u0020\\u0043\\"d\\\\ \\u0001e\\/"}\n{"value":"  X\\n\\rY  "}\n{"value":"\\u00e9 É"}\n')];
  const out = await withFastPaths(true, () => mapStage(expr, chunks));
  assert.deepEqual(out, await withFastPaths(false, () => mapStage(expr, chunks)));
  assert.equal(out[1], ['w', 'a', 'b', 'c"d\\', '\u0001e/', 'x', 'y', 'é', 'é'].map((v) => JSON.stringify({ value: v }) + '\n').join(''));
});

test('the split runs on the case-changed text: a separator class that names only one case splits the bytes as it splits the string', async () => {
  const chunks = [Buffer.from('{"value":"W x"}\n'), Buffer.from('{"value":"ab cd"}\n{"value":"Ef-G"}\n{"value":"x\\u0061y"}\n')];
  for (const expr of ['r.value.toUpperCase().split(/[^A-Z]+/).filter(Boolean)', 'r.value.toLowerCase().split(/[A-Z]/)', 'r.value.toUpperCase().split("a")', 'r.value.toLowerCase().split(/[^a-z]+/)']) {
    const out = await withFastPaths(true, () => mapStage(expr, chunks));
    assert.deepEqual(out, await withFastPaths(false, () => mapStage(expr, chunks)), expr);
  }
  const upper = await withFastPaths(true, () => mapStage('r.value.toUpperCase().split(/[^A-Z]+/).filter(Boolean)', chunks));
  assert.equal(upper[1], ['W', 'X', 'AB', 'CD', 'EF', 'G', 'XAY'].map((v) => JSON.stringify({ value: v }) + '\n').join(''));
});

// Texts up to 1 KB are checked in the pass that writes their pieces; longer ones are found and checked first.
const longPiece = fc.constantFrom('a', 'Bc', ' ', '  ', 'word ', '\\u0041', '\\t', '\\"', '\\\\', '\\/', '\\u0020');
const fault = fc.constantFrom('\u0001', 'é', '\\x', '\\u00e9', '\\u12', '"', '\\');
const longLine = fc
  .tuple(fc.array(longPiece, { minLength: 100, maxLength: 400 }), fc.option(fc.tuple(fc.nat(), fault), { freq: 3, nil: undefined }), fc.constantFrom('"}', '"}', '"}', '"} ', '"', '"}x'))
  .map(([pieces, twist, close]) => {
    if (twist) pieces.splice(twist[0] % (pieces.length + 1), 0, twist[1]);
    return `{"value":"${pieces.join('')}${close}`;
  });

test('texts around and beyond 1 KB, with escapes and faults anywhere, print what evaluating the expression prints', async () => {
  const expr = 'r.value.toLowerCase().split(/\\s+/).filter((w) => w !== "")';
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(longLine, line), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(6000), { maxLength: 3 }), async (lines, cuts) => {
      const bytes = Buffer.from(lines.map((l) => l + '\n').join(''));
      const at = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
      const chunks = [Buffer.from('{"value":"W x"}\n'), ...[0, ...at].map((from, i) => bytes.subarray(from, [...at, bytes.length][i]))];
      assert.deepEqual(await withFastPaths(true, () => mapStage(expr, chunks, 1500)), await withFastPaths(false, () => mapStage(expr, chunks, 1500)));
    }),
    { numRuns: 300, seed: 5 },
  );
});

test('a read with non-ASCII lines is taken whole: such a line is decoded and cut by the string plan, the lines after it stay on the bytes path', async () => {
  const expr = 'r.value.toLowerCase().split(/\\s+/).filter((w) => w !== "")';
  const lines = ['{"value":"Plain Words here"}', '{"value":"Ünïcode Straße ΣΑΣ don’t"}', '{"value":"\\u00c9t\\u00c9 x"}', '{"value":"more  ASCII"}'];
  const bytes = Buffer.from(lines.join('\n') + '\n');
  // A token plan is a fast path: made with them on, also in the tier that runs with SLUICE_FAST=0.
  const plan = withFastPaths(true, () => bytePlanOf(tokenPlanOf(expr)!)!);
  const writer = new NdjsonWriter(new PassThrough());
  const taken = splitLinesToBytes(bytes, 0, bytes.length - 1, 1000, Buffer.from('{"value":"'), plan, writer);
  assert.deepEqual(taken, { to: bytes.length, lines: 4 });
  const written = writer.byteRoom(0).subarray(0, writer.bytesUsed).toString('utf8');
  const expected = lines.flatMap((l) => (JSON.parse(l) as { value: string }).value.toLowerCase().split(/\s+/).filter((w) => w !== ''));
  assert.equal(written, expected.map((w) => JSON.stringify({ value: w }) + '\n').join(''));
  // Invalid UTF-8 and another shape still stop the path there, for the ordinary path's diagnostics.
  const bad = Buffer.concat([Buffer.from('{"value":"a b"}\n{"value":"'), Buffer.from([0xff]), Buffer.from('"}\n{"value":"c"}\n')]);
  assert.equal(splitLinesToBytes(bad, 0, bad.length - 1, 1000, Buffer.from('{"value":"'), plan, new NdjsonWriter(new PassThrough())).lines, 1);
});
