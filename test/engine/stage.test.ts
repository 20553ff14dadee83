import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { VirtualClock } from '../../src/engine/clock.js';
import { controlLine, decodeControlLine } from '../helpers/stream.js';
import { ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import { runStage } from '../../src/engine/stage-runner.js';
import { StopSignal } from '../../src/engine/stop-signal.js';
import type { OnError } from '../../src/engine/error-policy.js';

function collect(stream: PassThrough): () => string[] {
  let text = '';
  stream.setEncoding('utf8').on('data', (d: string) => (text += d));
  return () => text.split('\n').filter(Boolean);
}

function wordCountStage(clock: VirtualClock, input: PassThrough, output: PassThrough, o: { warn?: (line: string) => void; onError?: OnError } = {}) {
  return runStage({
    command: 'reduce-by-key',
    input,
    output,
    clock,
    stop: new StopSignal(),
    warn: o.warn ?? (() => undefined),
    onError: o.onError ?? { kind: 'fail' },
    maxLineBytes: 1 << 20,
    maxDepth: 100,
    fallbackInterval: 1000,
    build: (next, ctx) => new ReduceByKeyOperator({ key: { fields: ['w'] }, aggregates: [{ kind: 'count' }] }, next, ctx),
  });
}

const tick = () => new Promise((r) => setImmediate(r));

test('a stage behind a foreign tool keeps its own epoch-aligned clock (virtual time) and writes pure data', async () => {
  const clock = new VirtualClock(5_400);
  const input = new PassThrough();
  const output = new PassThrough();
  const lines = collect(output);
  const done = wordCountStage(clock, input, output);
  input.write('{"w":"a"}\n{"w":"b"}\n{"w":"a"}\n');
  await tick();
  clock.advance(600); // crosses 6000
  await tick();
  input.write('{"w":"b"}\n');
  await tick();
  input.end();
  assert.equal(await done, 0);
  const rows = lines().map((l) => JSON.parse(l));
  assert.ok(rows.every((r) => !('__sluice' in r)), 'no control records invented');
  assert.deepEqual(
    rows.map((r) => [r.window.start, r.w, r.count]),
    [
      ['1970-01-01T00:00:05.000Z', 'a', 2],
      ['1970-01-01T00:00:05.000Z', 'b', 1],
      ['1970-01-01T00:00:06.000Z', 'b', 1],
    ],
  );
});

test('a stage follows upstream batch boundaries and forwards control records in order', async () => {
  const clock = new VirtualClock(0);
  const input = new PassThrough();
  const output = new PassThrough();
  const lines = collect(output);
  const done = wordCountStage(clock, input, output);
  input.write(controlLine({ type: 'start', interval: 1000, bounded: false }) + '\n');
  input.write('{"w":"a"}\n{"w":"a"}\n');
  input.write(controlLine({ type: 'batch', id: 7, start: 3000, end: 4000 }) + '\n');
  input.write(controlLine({ type: 'eos' }) + '\n');
  input.end();
  assert.equal(await done, 0);
  const out = lines();
  assert.equal(decodeControlLine(out[0]!)?.type, 'start');
  assert.deepEqual(JSON.parse(out[1]!), { window: { start: '1970-01-01T00:00:03.000Z', end: '1970-01-01T00:00:04.000Z' }, w: 'a', count: 2 });
  assert.deepEqual(decodeControlLine(out[2]!), { type: 'batch', id: 7, start: 3000, end: 4000 });
  assert.deepEqual(decodeControlLine(out[3]!), { type: 'eos' });
  assert.equal(out.length, 4);
});

test('input that carried control records but ends without eos is a failure, and the open batch is not emitted', async () => {
  const clock = new VirtualClock(0);
  const input = new PassThrough();
  const output = new PassThrough();
  const lines = collect(output);
  const warnings: string[] = [];
  const done = runStage({
    command: 'reduce-by-key',
    input,
    output,
    clock,
    stop: new StopSignal(),
    warn: (l) => warnings.push(l),
    onError: { kind: 'fail' },
    maxLineBytes: 1 << 20,
    maxDepth: 100,
    fallbackInterval: 1000,
    build: (next, ctx) => new ReduceByKeyOperator({ key: { fields: ['w'] }, aggregates: [{ kind: 'count' }] }, next, ctx),
  });
  input.end(controlLine({ type: 'start', interval: 1000, bounded: false }) + '\n{"w":"a"}\n');
  assert.equal(await done, 1);
  assert.match(warnings.join('\n'), /ended without an end-of-stream record/);
  assert.ok(lines().every((l) => l.startsWith('{"__sluice"')));
});

test('lines counted undecoded by the count lane still count: a bad line after them is named by its own number', async () => {
  const clock = new VirtualClock(5_400);
  const input = new PassThrough();
  const output = new PassThrough();
  collect(output);
  const warnings: string[] = [];
  const done = wordCountStage(clock, input, output, { warn: (line) => warnings.push(line), onError: { kind: 'skip' } });
  input.write('{"w":"a"}\n');
  await tick();
  // The second read: two lines the lane takes from the bytes, then a bad one (line 4) and another (line 6).
  input.write('{"w":"a"}\n{"w":"b"}\nBAD\n{"w":"a"}\nALSO BAD\n');
  await tick();
  input.end();
  assert.equal(await done, 0);
  assert.match(warnings[0] ?? '', /stdin:4: invalid JSON/);
  assert.match(warnings[1] ?? '', /stdin:6: invalid JSON/);
});
