import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { VirtualClock } from '../../src/engine/clock.js';
import { controlLine } from '../helpers/stream.js';
import { ReduceByKeyOperator, type OutputMode } from '../../src/engine/operators/reduce-by-key.js';
import { WindowOperator } from '../../src/engine/operators/window.js';
import { runStage } from '../../src/engine/stage-runner.js';
import { StopSignal } from '../../src/engine/stop-signal.js';
import { T0 } from './harness.js';

/** Runs window | reduce-by-key in one stage over `chunks`, in virtual time, and returns its output. */
async function runChunks(chunks: Buffer[], mode: OutputMode, slide: number): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.setEncoding('utf8').on('data', (d: string) => (text += d));
  const done = runStage({
    command: 'window',
    input,
    output,
    clock: new VirtualClock(T0 + 3_600_000),
    stop: new StopSignal(),
    warn: () => undefined,
    onError: { kind: 'skip' },
    maxLineBytes: 1 << 20,
    maxDepth: 100,
    fallbackInterval: 1000,
    build: (next, ctx) => {
      const reduce = new ReduceByKeyOperator({ key: { fields: ['k'] }, aggregates: [{ kind: 'count' }, { kind: 'collect', field: 'n' }], mode }, next, ctx);
      return new WindowOperator(
        { shape: { kind: 'fixed', size: 4_000, slide }, timeField: 'ts', watermarkDelay: 1_500, maxSkew: 0, late: { kind: 'emit' }, limits: { maxKeys: 0, maxBytes: 0 } },
        reduce,
        ctx,
      );
    },
  });
  for (const c of chunks) {
    input.write(c);
    // Let the stage take each chunk on its own, as from a slow writer.
    await new Promise((r) => setImmediate(r));
  }
  input.end();
  assert.equal(await done, 0);
  return text;
}

const recordArb = fc.record({ offset: fc.integer({ min: 0, max: 30_000 }), k: fc.constantFrom('a', 'b', '__proto__'), n: fc.nat(99) });

test('property: random input and random chunk boundaries give the same output as one chunk (all modes)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(recordArb, { minLength: 1, maxLength: 60 }),
      fc.array(fc.nat(59), { maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 200 }),
      fc.constantFrom<OutputMode>('append', 'update', 'complete', 'batch'),
      fc.constantFrom(4_000, 2_000, 1_000),
      async (recs, cuts, sizes, mode, slide) => {
        const lines = [controlLine({ type: 'start', interval: 1000, bounded: true })];
        const cutAt = new Set(cuts);
        let id = 0;
        recs.forEach((r, i) => {
          lines.push(JSON.stringify({ ts: new Date(T0 + r.offset).toISOString(), k: r.k, n: r.n }));
          if (cutAt.has(i)) lines.push(controlLine({ type: 'batch', id: id, start: T0 + id * 1000, end: T0 + ++id * 1000 }));
        });
        lines.push(controlLine({ type: 'batch', id, start: T0 + id * 1000, end: T0 + (id + 1) * 1000 }), controlLine({ type: 'eos' }));
        const bytes = Buffer.from(lines.join('\n') + '\n');
        const whole = await runChunks([bytes], mode, slide);
        const chunks: Buffer[] = [];
        for (let at = 0, i = 0; at < bytes.length; i++) {
          const n = sizes[i % sizes.length]!;
          chunks.push(bytes.subarray(at, at + n));
          at += n;
        }
        assert.equal(await runChunks(chunks, mode, slide), whole);
      },
    ),
    { numRuns: 60 },
  );
});
