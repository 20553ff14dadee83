import type { MessagePort } from 'node:worker_threads';
import type { FromWorker, RangeRead, ToWorker, WorkerSetup } from './parallel-protocol.js';
import { ChunkAggregator } from './chunk-aggregator.js';
import { takeRange } from './file-ranges.js';
import { traceParallel } from './parallel-trace.js';

/** SLUICE_COMBINE_READY_DELAY_MS (tests): the worker answers `ready` this much later, as a worker slow to start on a loaded machine would. */
const READY_DELAY_MS = Number(process.env['SLUICE_COMBINE_READY_DELAY_MS']) || 0;

/**
 * The worker side of --parallel's combine: aggregates the chunks it is given
 * (chunk-aggregator.ts); at each control record it answers with its partials
 * and the bad records it met, and starts afresh.
 */
export function runCombineWorker(setup: WorkerSetup, port: MessagePort, post: (m: FromWorker) => void): void {
  const inFlight = new Int32Array(setup.inFlight);
  const { maxDepth, slotBytes } = setup.combine!;
  const slots = Buffer.from(setup.combine!.slots);
  const newShare = () => new ChunkAggregator(setup.reduce, setup.command, setup.policy, maxDepth);
  let share = newShare();
  const stop = new Int32Array(setup.combine!.stop);
  // A file's range: nothing else arrives meanwhile, so no turn of the event loop between blocks.
  const between = () => Promise.resolve(Atomics.load(stop, 0) === 1 || share.stopped);


  port.on('message', async (m: ToWorker) => {
    switch (m.t) {
      case 'chunk':
        try {
          const own = m.bytes && Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.length);
          share.take({ bytes: own ?? slots, at: own ? 0 : m.slot * slotBytes, length: m.length, seq: m.seq, segs: m.segs, inputs: m.inputs });
        } catch (err) {
          post({ t: 'error', message: (err as Error)?.message ?? String(err) });
        } finally {
          Atomics.sub(inFlight, 0, 1);
          Atomics.notify(inFlight, 0);
        }
        return;
      case 'take-range': {
        let read: RangeRead;
        traceParallel(`range [${m.start}, ${m.end}): reading`);
        try {
          read = await takeRange(m.fd, { pos: m.start, end: m.end }, m.input, m.maxLineBytes, (chunk) => share.take(chunk), between);
        } catch (err) {
          post({ t: 'error', message: (err as Error)?.message ?? String(err) });
        }
        traceParallel('range: read');
        const { batch, bad } = share.drain();
        traceParallel('range: drained');
        // The file will be read as a stream: a fresh share (not stopped by a bad record met in the range).
        if (read === undefined) share = newShare();
        post({ t: 'range', batch, bad, read });
        return;
      }
      case 'ready':
        if (READY_DELAY_MS > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, READY_DELAY_MS);
        post({ t: 'ready' });
        return;
      case 'watermark':
        share.watermarkAt(m.watermark);
        return;
      case 'control': {
        // The records before it were aggregated with the watermark before it.
        const { batch, bad } = share.drain();
        if (m.c.type === 'watermark') share.watermarkAt(m.c.t);
        post({ t: 'partial', batch, bad });
        return;
      }
      default:
        return;
    }
  });
}
