import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { VirtualClock } from '../../src/engine/clock.js';
import type { StageContext } from '../../src/engine/context.js';
import { ErrorPolicy } from '../../src/engine/error-policy.js';
import { NdjsonWriter } from '../../src/engine/ndjson-writer.js';
import { SourceDriver } from '../../src/engine/source-driver.js';
import { runStage } from '../../src/engine/stage-runner.js';
import { StopSignal } from '../../src/engine/stop-signal.js';
import { PositionTracker, type Downstream } from '../../src/engine/stream.js';

/** The bytes of `s` cut into reads of the given sizes, in turn (through characters too). */
export function chunks(s: string | Buffer, sizes: number[]): Buffer[] {
  const bytes = typeof s === 'string' ? Buffer.from(s) : s;
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

/**
 * A stage reading `input` from a pipe, read by read, into its own NDJSON
 * writer: its exit code, what it prints and what it reports, as one list.
 */
export async function stageOver(
  command: string,
  input: Buffer[],
  maxDepth: number,
  build: (next: Downstream, ctx: StageContext) => Downstream,
  o: { now: number; maxLineBytes?: number; /** What it prints as its bytes (one character a byte), for comparing bytes. */ bytes?: boolean },
): Promise<string[]> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  stdout.setEncoding(o.bytes ? 'latin1' : 'utf8').on('data', (d: string) => (out += d));
  const warnings: string[] = [];
  const done = runStage({
    command,
    input: stdin,
    output: stdout,
    clock: new VirtualClock(o.now),
    stop: new StopSignal(),
    warn: (line) => warnings.push(line),
    onError: { kind: 'skip' },
    maxLineBytes: o.maxLineBytes ?? 300,
    maxDepth,
    fallbackInterval: 1000,
    boundedInput: true,
    build,
  });
  for (const chunk of input) {
    stdin.write(chunk);
    await tick();
  }
  stdin.end();
  const code = await done;
  return [`exit ${code}`, out, ...warnings];
}

/**
 * `source --format json` reading `input` as one file with positions, read by
 * read, its records going to `build(writer)` (the chain of `sluice run`):
 * what it prints (control records without the stream's random token), the
 * batches' positions, the records out and what it reports.
 */
export async function sourceOver(input: Buffer[], maxDepth: number, build: (writer: NdjsonWriter, ctx: StageContext) => Downstream, o: { now: number; boundedAt: number }): Promise<string[]> {
  const stdout = new PassThrough();
  let out = '';
  stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const warnings: string[] = [];
  const warn = (line: string) => warnings.push(line);
  const position = new PositionTracker();
  const errors = new ErrorPolicy('source', { kind: 'skip' }, position, warn);
  const clock = new VirtualClock(o.now);
  const writer = new NdjsonWriter(stdout);
  const next = build(writer, { command: 'run', clock, position, errors, warn, maxDepth });
  const driver = new SourceDriver({ next, clock, interval: 1000, bounded: true, boundedAt: o.boundedAt, format: 'json', errors, position, maxLineBytes: 300, maxDepth });
  await driver.begin();
  const file = driver.openInput('in.ndjson', { startOffset: 0, at: (end) => ({ offset: end }) });
  for (const chunk of input) {
    file.push(chunk);
    await driver.settle();
  }
  file.end();
  const positions: unknown[] = [];
  driver.onBatch((c) => positions.push(c.positions));
  await driver.finish();
  await writer.finish();
  const summary = errors.summary();
  return [out.replace(/"token":"[^"]*"/g, ''), JSON.stringify(positions), String(driver.recordsOut), ...warnings, summary ?? ''];
}
