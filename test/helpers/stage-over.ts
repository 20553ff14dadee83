import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { VirtualClock } from '../../src/engine/clock.js';
import type { StageContext } from '../../src/engine/context.js';
import { runStage } from '../../src/engine/stage-runner.js';
import { StopSignal } from '../../src/engine/stop-signal.js';
import type { Downstream } from '../../src/engine/stream.js';

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
