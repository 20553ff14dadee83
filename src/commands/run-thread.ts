import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { StageContext } from '../engine/context.js';
import { ErrorPolicy, parseOnError } from '../engine/error-policy.js';
import { ExitCode } from '../engine/errors.js';
import type { NdjsonWriter } from '../engine/ndjson-writer.js';
import { runStage } from '../engine/stage-runner.js';
import type { Downstream } from '../engine/stream.js';
import { ChannelInput, ChannelPosition } from '../engine/thread-channel/main-side.js';
import type { SourceThreadSetup } from '../engine/thread-channel/protocol.js';
import { threadCpuSeconds } from '../engine/thread-channel/thread-cpu.js';
import type { CommandIO } from '../spec.js';
import { readingSettings } from './common-options.js';
import type { OperatorStage, Stage } from './run-chain.js';
import { stageCommands } from './stages.js';
import { lazyBuiltin } from '../engine/lazy-builtin.js';

const workerThreads = lazyBuiltin('node:worker_threads');

/** Below this much input, starting a thread costs more than it saves. */
export const THREAD_MIN_BYTES = 8 << 20;

/**
 * How many of the operators run in the source's thread, or undefined for one
 * thread. Two threads only when asked for (SLUICE_RUN_THREADS=2): measured
 * on this project's two-core machine, the split used about 1 s more CPU than
 * it moved off the main thread and the run took longer, idle or busy. It
 * needs a source file of regular files, at least two operators after it, none
 * with --parallel (which has threads of its own), and stderr not a terminal
 * (its progress display counts the source's reads). The source thread takes
 * the first half of the operators (rounded up), moved so that no cut follows
 * a stage that hands on in place where another boundary exists (splitPoint).
 * SLUICE_RUN_TRACE=1 says on stderr what was chosen and why, and how much CPU
 * each thread used.
 */
export function sourceThreadSplit(source: Stage, operators: readonly Stage[], io: CommandIO): number | undefined {
  const reason = oneThreadReason(source, operators, io, process.env['SLUICE_RUN_THREADS']);
  const split = reason === undefined ? (splitPoint(operators) ?? Math.ceil(operators.length / 2)) : undefined;
  if (tracing()) {
    const names = (stages: readonly Stage[]) => stages.map((s) => s.name).join(', ');
    io.warn(split === undefined ? `sluice run: one thread (${reason})` : `sluice run: two threads: ${names([source, ...operators.slice(0, split)])} | ${names(operators.slice(split))}`);
  }
  return split;
}

const tracing = () => process.env['SLUICE_RUN_TRACE'] === '1';

/**
 * How many operators go to the source's thread: the first half (rounded up),
 * or the nearest other count that leaves one operator or more to each thread
 * and does not cut right after a stage that hands on in place (its fast
 * hand-off to the next stage would become a pipe's serialising).
 */
export function splitPoint(operators: readonly Stage[]): number | undefined {
  const half = Math.ceil(operators.length / 2);
  const candidates = [...Array(operators.length - 1).keys()].map((i) => i + 1).sort((a, b) => Math.abs(a - half) - Math.abs(b - half) || a - b);
  return candidates.find((k) => !stageCommands.find((c) => c.name === operators[k - 1]!.name)?.handsOnInPlace);
}

function oneThreadReason(source: Stage, operators: readonly Stage[], io: CommandIO, setting: string | undefined): string | undefined {
  if (setting === '1') return 'SLUICE_RUN_THREADS=1';
  if (operators.length < 2) return 'fewer than two operators after the source';
  if (source.args['kind'] !== 'file' || source.args['follow']) return 'the source is not source file';
  if (operators.some((o) => Number(o.args['parallel'] ?? 1) > 1)) return 'a stage uses --parallel';
  if (io.stderrIsTTY) return 'stderr is a terminal';
  const targets = [...((source.args['target'] as unknown[] | undefined) ?? []), ...io.rest].map(String);
  let bytes = 0;
  for (const path of targets) {
    const size = regularFileSize(path);
    if (size === undefined) return `${path} is not a regular file`;
    bytes += size;
  }
  if (setting === '2') return undefined;
  if (bytes < THREAD_MIN_BYTES) return `input under ${THREAD_MIN_BYTES >> 20} MB`;
  // Measured on two idle cores, the split cost about 1 s more CPU than it moved off the main thread, and the run took longer (docs/ARCHITECTURE.md).
  return 'two threads only with SLUICE_RUN_THREADS=2';
}

function regularFileSize(path: string): number | undefined {
  if (path === '-') return undefined;
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

export interface SplitRun {
  source: Stage;
  operators: readonly OperatorStage[];
  /** Operators [0, split) run in the source's thread. */
  split: number;
  io: CommandIO;
  dataOnly: boolean;
  /** Builds the main thread's stages (the operators from `split` on, and the sink) in front of its writer. */
  build(writer: NdjsonWriter, ctx: StageContext): Downstream;
  /** The source thread's stages' own --on-error policies are added here (their summaries), after the main thread's. */
  policies: ErrorPolicy[];
}

/**
 * Runs the source and the first operators in a worker thread and the rest
 * here, joined by the sluice stream a pipe between them would carry
 * (src/engine/thread-channel/). The main thread reads that stream as a stage
 * of a pipe does, but names the source's positions in diagnostics and reports
 * the source thread's bad records through the same policies, at the same
 * points of the stream, as one thread. A signal stops the source, which
 * flushes; the main thread reads on to the end of the stream.
 */
export async function runWithSourceThread(o: SplitRun): Promise<number> {
  const { io } = o;
  const threadOperators = o.operators.slice(0, o.split);
  const position = new ChannelPosition(io.warn);
  const settings = readingSettings(o.source.args);
  // Stages without an --on-error of their own report under the source's, as under one thread.
  const sourceErrors = new ErrorPolicy('source', settings.onError, position, io.warn);
  const threadPolicies: ErrorPolicy[] = [];
  const policyIds = threadOperators.map((stage) => {
    const onError = stage.args['on-error'];
    if (onError === undefined) return undefined;
    threadPolicies.push(new ErrorPolicy(stage.name, parseOnError(String(onError)), position, io.warn));
    return threadPolicies.length;
  });
  position.policies = [sourceErrors, ...threadPolicies];
  const setup: SourceThreadSetup = { source: o.source.args, operators: threadOperators.map(({ name, args }) => ({ name, args })), rest: io.rest, policyIds };
  const worker: Worker = new (workerThreads().Worker)(new URL('./run-worker.js', import.meta.url), { workerData: setup });
  const input = new ChannelInput(worker, position);
  io.stop.onStop((reason) => input.send({ t: 'stop', reason }));
  let code: number;
  try {
    code = await runStage({
      command: 'run',
      input,
      output: io.stdout,
      clock: io.clock,
      stop: io.stop,
      warn: io.warn,
      onError: settings.onError,
      // The lines come from this pipeline's own stages: the source already applied the reading limits.
      maxLineBytes: Number.MAX_SAFE_INTEGER,
      maxDepth: 2 ** 30,
      dataOnly: o.dataOnly,
      fallbackInterval: 1000,
      build: (writer, ctx) => o.build(writer as NdjsonWriter, ctx),
      position,
      errors: sourceErrors,
    });
    // After a failure here or the reader gone, the source thread is stopped, not waited for.
    if (code !== ExitCode.failure && io.stop.reason !== 'closed') await input.finish();
    if (input.finished && code !== ExitCode.failure) position.report(Infinity);
    if (tracing()) io.warn(`sluice run: CPU seconds: source thread ${input.sourceCpuSeconds ?? '?'}, main thread ${threadCpuSeconds() ?? '?'}`);
  } finally {
    await worker.terminate();
  }
  // In the order one thread prints them: the later stages' first.
  o.policies.push(...threadPolicies.reverse());
  return code;
}
