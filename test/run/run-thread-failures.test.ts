import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { systemClock } from '../../src/engine/clock.js';
import { ErrorPolicy } from '../../src/engine/error-policy.js';
import { runStage } from '../../src/engine/stage-runner.js';
import { StopSignal } from '../../src/engine/stop-signal.js';
import { ChannelInput, ChannelPosition } from '../../src/engine/thread-channel/main-side.js';
import { background } from '../helpers/background.js';
import { sluiceBin, tempDir } from '../helpers/run.js';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A source thread that fails, however it fails, is the run's error (exit 1,
// one line naming it), never a hang or a silent success.

async function mainSideOf(workerCode: string): Promise<{ code: number; warnings: string[]; stdout: string }> {
  const worker = new Worker(workerCode, { eval: true });
  const position = new ChannelPosition(() => undefined);
  const warnings: string[] = [];
  const warn = (line: string) => warnings.push(line);
  const output = new PassThrough();
  let stdout = '';
  output.on('data', (d: Buffer) => (stdout += d.toString()));
  const errors = new ErrorPolicy('source', { kind: 'fail' }, position, warn);
  position.policies = [errors];
  const code = await runStage({
    command: 'run',
    input: new ChannelInput(worker, position),
    output,
    clock: systemClock,
    stop: new StopSignal(),
    warn,
    onError: { kind: 'fail' },
    maxLineBytes: 1 << 30,
    maxDepth: 1 << 30,
    fallbackInterval: 1000,
    dataOnly: true,
    build: (next) => next,
    position,
    errors,
  });
  await worker.terminate();
  return { code, warnings, stdout };
}

/** A chunk message as the source thread sends it, for lines made from line 1.. of `in.ndjson`. */
const chunk = (lines: string[]) => `
  const text = ${JSON.stringify(lines.map((l) => l + '\n').join(''))};
  const bytes = new TextEncoder().encode(text);
  const entries = new Int32Array(${4 * lines.length});
  for (let i = 0; i < ${lines.length}; i++) entries.set([i + 1, 0, 0, 0], 4 * i);
  parentPort.postMessage({ t: 'chunk', first: 1, count: ${lines.length}, entries, raws: new Uint8Array(0), bytes, newInputs: ['in.ndjson'], events: [] });`;

test('source thread: an exception as it starts is the run\'s error', { timeout: 30_000 }, async () => {
  const r = await mainSideOf(`throw new Error('boom in the source thread')`);
  assert.equal(r.code, 1);
  assert.equal(r.warnings.length, 1, r.warnings.join('\n'));
  assert.match(r.warnings[0]!, /^sluice run: .*boom in the source thread/);
});

test('source thread: exiting in mid-stream is the run\'s error, after what it sent', { timeout: 30_000 }, async () => {
  const start = '{"__sluice":{"v":2,"type":"start","token":"t1t1t1t1t1t1t1t1","interval":1000,"bounded":true,"firstBatchStart":0}}';
  const r = await mainSideOf(`const { parentPort } = require('node:worker_threads'); ${chunk([start, '{"a":1}', '{"a":2}'])} setTimeout(() => process.exit(3), 50);`);
  assert.equal(r.code, 1);
  assert.deepEqual(r.warnings, ["sluice run: the source's thread stopped unexpectedly (exit status 3)"]);
  assert.equal(r.stdout, '{"a":1}\n{"a":2}\n');
});

test('source thread: an uncaught error after some output is the run\'s error', { timeout: 30_000 }, async () => {
  const start = '{"__sluice":{"v":2,"type":"start","token":"t1t1t1t1t1t1t1t1","interval":1000,"bounded":true,"firstBatchStart":0}}';
  const r = await mainSideOf(`const { parentPort } = require('node:worker_threads'); ${chunk([start, '{"a":1}'])} setTimeout(() => { throw new Error('late boom'); }, 50);`);
  assert.equal(r.code, 1);
  assert.equal(r.warnings.length, 1, r.warnings.join('\n'));
  assert.match(r.warnings[0]!, /^sluice run: .*late boom/);
});

test('sluice run: SIGINT while the source thread reads stops cleanly with 130, the output a prefix of the input', { timeout: 120_000 }, async () => {
  const dir = tempDir('sluice-run-thread-sig-');
  const path = join(dir, 'big.ndjson');
  const lines = Array.from({ length: 400_000 }, (_, i) => JSON.stringify({ i, s: 'x'.repeat(40) }));
  writeFileSync(path, lines.join('\n') + '\n');
  const out = join(dir, 'out.ndjson');
  for (const [sig, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    writeFileSync(out, '');
    // Filters that keep everything: every record read comes out, in order, as its line.
    const run = background(`node ${sluiceBin} run 'source file ${path} --format json | filter "r.i >= 0" | filter "r.s.length > 0"' > ${out} & echo "pid $!" >&2; wait $!; echo "status $?" >&2`, {
      env: { SLUICE_RUN_THREADS: '2' },
    });
    const began = Date.now();
    while (!(/pid \d+/.test(run.stderr) && statSync(out).size > 0) && Date.now() - began < 60_000) await new Promise((r) => setTimeout(r, 10));
    process.kill(Number(/pid (\d+)/.exec(run.stderr)![1]), sig);
    const result = await run.done;
    assert.match(result.stderr, new RegExp(`status ${status}\\n$`), result.stderr);
    const text = readFileSync(out, 'utf8');
    assert.ok(text.endsWith('\n'), 'no torn line');
    const got = text.split('\n').filter(Boolean);
    assert.ok(got.length < lines.length, `stopped before the end (${got.length} lines)`);
    assert.deepEqual(got, lines.slice(0, got.length));
  }
});
