import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../clock.js';
import type { Control } from '../control.js';
import { ErrorPolicy } from '../error-policy.js';
import { DataError } from '../errors.js';
import { buildKeyExtractor, groupId } from '../grouping.js';
import { PositionTracker, type Downstream } from '../stream.js';
import type { FromWorker, ToWorker, WorkerSetup } from './parallel-protocol.js';
import { ReduceByKeyOperator } from './reduce-by-key.js';
import type { ReadsFields } from '../fast/fields-read.js';
import { FlatProjector } from '../fast/flat-fields.js';
import { fastPathsOn } from '../fast/switch.js';
import { runCombineWorker } from './combine-worker.js';
import { traceParallel } from './parallel-trace.js';

traceParallel('worker: running');

/** One --parallel worker: runs the command's own operator on the keys hashed to it, or the map side of a combine. */
const setup = workerData as WorkerSetup;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
if (setup.combine) runCombineWorker(setup, port, post);
else runRoutingWorker();

function runRoutingWorker(): void {
  const inFlight = new Int32Array(setup.inFlight);
  const utf8 = new TextDecoder();

  const position = new PositionTracker();
  position.input = setup.inputName;
  const errors = new ErrorPolicy(setup.command, setup.policy, position, (line) => post({ t: 'warn', line }));
  const keys = buildKeyExtractor(setup.reduce.key, setup.command);

  let rows: string[] = [];
  let rowKeys: string[] = [];
  let controls: Control[] = [];
  const collect: Downstream = {
    data(record, raw) {
      const row = raw ?? JSON.stringify(record);
      rows.push(row);
      // The merge orders rows by when their key was first seen; the row's key columns give it back.
      rowKeys.push(groupId(keys.names.map((n) => (record as Record<string, unknown>)[n] ?? null)));
    },
    control(c) {
      controls.push(c);
    },
  };
  const chain = new ReduceByKeyOperator({ ...setup.reduce, everyBatch: true }, collect, { command: setup.command, clock: systemClock, position, errors, warn: (line) => post({ t: 'warn', line }) });

  const fields = fastPathsOn() ? (chain as ReadsFields).readsFields : undefined;
  // Lines arrive checked (JSON, within --max-depth): the depth bound here only says how deep the projector goes before JSON.parse does the work.
  const projector = fields && new FlatProjector(fields, 100);

  let failed = false;
  let reported = 0;
  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    post({ t: 'error', message: (err as Error)?.message ?? String(err), where: err instanceof DataError ? err.where : undefined });
  };

  port.on('message', (m: ToWorker) => {
    if (m.t !== 'data' && m.t !== 'control') return;
    if (m.t === 'data') {
      try {
        if (!failed) {
          const lines = utf8.decode(m.text).split('\n');
          for (let i = 0; i < lines.length; i++) {
            const line = lines[i]!;
            position.line = m.lineNos[i]!;
            position.record = m.recordNos[i]! < 0 ? undefined : m.recordNos[i];
            position.raw = line;
            // The main thread checked the line is JSON; the operator needs only some fields.
            chain.data(projector?.project(line) ?? JSON.parse(line), line);
          }
        }
      } catch (err) {
        fail(err);
      } finally {
        Atomics.sub(inFlight, 0, 1);
        Atomics.notify(inFlight, 0);
      }
      return;
    }
    const reply = () => {
      errors.flush();
      const badCount = errors.count - reported;
      reported = errors.count;
      post({ t: 'out', rows, keys: rowKeys, controls, badCount });
      rows = [];
      rowKeys = [];
      controls = [];
    };
    Promise.resolve()
      .then(() => (failed ? undefined : chain.control(m.c)))
      .catch(fail)
      .finally(reply);
  });
}
