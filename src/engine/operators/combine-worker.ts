import type { MessagePort } from 'node:worker_threads';
import { parseRecord } from '../codec.js';
import { FlatProjector } from '../fast/flat-fields.js';
import { reduceReadsFields } from '../fast/fields-read.js';
import { PositionTracker } from '../stream.js';
import type { BadRecord, FromWorker, ToWorker, WorkerSetup } from './parallel-protocol.js';
import { PartialReduce } from './partial-reduce.js';
import { fastPathsOn } from '../fast/switch.js';

/** Bytes decoded at a time: whole lines, and a string small enough for the young generation. */
const DECODE_BYTES = 64 * 1024;
const LF = 10;

/**
 * The worker side of --parallel's combine: parses the lines of each chunk it
 * is given (as the stage itself would: the field scanner, else JSON.parse
 * within --max-depth) and aggregates them into partials; at each control
 * record it answers with the partials and the bad records it met, and starts
 * afresh. Bad records are not reported here: the coordinator reports them in
 * input order under the stage's --on-error, so warnings, their limit, the
 * dead-letter file and the first error under `fail` are those of one thread.
 */
export function runCombineWorker(setup: WorkerSetup, port: MessagePort, post: (m: FromWorker) => void): void {
  const inFlight = new Int32Array(setup.inFlight);
  const { maxDepth, slotBytes } = setup.combine!;
  const slots = Buffer.from(setup.combine!.slots);
  const position = new PositionTracker();
  const failFast = setup.policy.kind === 'fail';
  let bad: BadRecord[] = [];
  let seq = 0;
  /** Under --on-error fail, nothing after the first bad record matters: the stage stops there. */
  let stopped = false;
  const reportBad = (message: string) => {
    bad.push({ seq, where: position.where(), raw: position.raw, message });
    if (failFast) stopped = true;
  };
  const partial = new PartialReduce(setup.reduce, setup.command, fastPathsOn() ? maxDepth : undefined, reportBad);
  const fields = reduceReadsFields(setup.reduce.key, setup.reduce.aggregates);
  const projector = fields && new FlatProjector(fields, maxDepth);

  const take = (m: Extract<ToWorker, { t: 'chunk' }>) => {
    const bytes = m.bytes ? Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.length) : slots;
    let at = m.bytes ? 0 : m.slot * slotBytes;
    const stop = at + m.length;
    // Decoded a block of whole lines at a time, as the framer does: one string of a whole chunk would
    // be a large object in the old generation, each one a step towards a full garbage collection.
    let text = '';
    let from = 0;
    const segs = m.segs;
    seq = m.seq;
    for (let s = 0; s < segs.length && !stopped; s += 4) {
      const count = segs[s]!;
      const firstLine = segs[s + 1]!;
      const firstRecord = segs[s + 2]!;
      position.input = m.inputs[segs[s + 3]!]!;
      for (let i = 0; i < count; i++, seq++) {
        if (from >= text.length) {
          let cut = at + DECODE_BYTES < stop ? bytes.indexOf(LF, at + DECODE_BYTES) + 1 : stop;
          if (cut <= 0 || cut > stop) cut = stop;
          text = bytes.toString('utf8', at, cut);
          at = cut;
          from = 0;
        }
        const nl = text.indexOf('\n', from);
        let line = text.slice(from, nl);
        from = nl + 1;
        if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
        position.line = firstLine + i;
        position.record = firstRecord < 0 ? undefined : firstRecord + i;
        position.raw = line;
        if (partial.addLine(line, seq)) continue;
        let record: unknown;
        try {
          record = projector?.project(line) ?? parseRecord(line, maxDepth);
        } catch (err) {
          reportBad((err as Error).message);
          if (stopped) return;
          continue;
        }
        partial.add(record, seq);
        if (stopped) return;
      }
    }
  };

  port.on('message', (m: ToWorker) => {
    switch (m.t) {
      case 'chunk':
        try {
          if (!stopped) take(m);
        } catch (err) {
          post({ t: 'error', message: (err as Error)?.message ?? String(err) });
        } finally {
          Atomics.sub(inFlight, 0, 1);
          Atomics.notify(inFlight, 0);
        }
        return;
      case 'restored':
        partial.watermark = Math.max(partial.watermark, m.watermark);
        return;
      case 'control': {
        if (m.c.type === 'watermark') partial.watermark = Math.max(partial.watermark, m.c.t);
        post({ t: 'partial', batch: partial.drain(), bad });
        bad = [];
        return;
      }
      default:
        return;
    }
  });
}
