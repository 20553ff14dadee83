import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../engine/clock.js';
import type { StageContext } from '../engine/context.js';
import { parseOnError } from '../engine/error-policy.js';
import { UsageError } from '../engine/errors.js';
import { StopSignal } from '../engine/stop-signal.js';
import type { FromSourceThread, SourceThreadSetup, ToSourceThread } from '../engine/thread-channel/protocol.js';
import { ChannelOutput, ChannelWritable, ForwardedErrors } from '../engine/thread-channel/source-side.js';
import { ChannelTable } from '../engine/thread-channel/table.js';
import { threadCpuSeconds } from '../engine/thread-channel/thread-cpu.js';
import type { CommandIO } from '../spec.js';
import { chainOperators, operatorStage, type Stage } from './run-chain.js';
import { runSource } from './source.js';

/**
 * The source thread of `sluice run` (src/commands/run-thread.ts): runs the
 * source stage and the operators before the thread boundary, exactly as one
 * thread would, into a writer whose output and positions go to the main thread.
 */
const setup = workerData as SourceThreadSetup;
const port = parentPort!;
const post = (m: FromSourceThread) => port.postMessage(m);
const table = new ChannelTable();
const stdout = new ChannelWritable(port, table);
const stop = new StopSignal();
port.on('message', (m: ToSourceThread) => {
  if (m.t === 'ack') stdout.taken(m);
  else stop.trigger(m.reason);
});

const warn = (line: string) => table.event({ t: 'warn', line });
const io: CommandIO = { stdin: Readable.from([]), stdout, warn, clock: systemClock, stop, stderrIsTTY: false, stdoutIsTTY: false, rest: setup.rest };
const operators = setup.operators.map((s, i) => operatorStage({ ...s, given: new Set() }, i));
const stageContext = (ctx: StageContext, stage: Stage): StageContext => {
  const id = setup.policyIds[operators.indexOf(stage as (typeof operators)[number])];
  if (id === undefined) return { ...ctx, command: stage.name };
  return { ...ctx, command: stage.name, errors: new ForwardedErrors(stage.name, parseOnError(String(stage.args['on-error'])), ctx.position, warn, table, id) };
};

try {
  await runSource(setup.source, io, {
    command: 'run',
    dataOnly: false,
    errors: (onError, position, warnLine) => new ForwardedErrors('source', onError, position, warnLine, table, 0),
    build: (writer, ctx) => chainOperators(operators, new ChannelOutput(writer, table, ctx.position), false, ctx, stageContext),
  });
  // Everything written goes out before the end is said.
  await new Promise<void>((resolve) => stdout.end(resolve));
  post({ t: 'done', events: table.trailing(), cpuSeconds: threadCpuSeconds() });
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  post({ t: 'usage', message: err.message });
}
port.unref();
