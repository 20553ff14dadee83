import { runStage } from '../engine/stage-runner.js';
import { stdinIsFile, stdinModifiedAt } from '../engine/stdin-kind.js';
import type { StageContext } from '../engine/context.js';
import type { Downstream } from '../engine/stream.js';
import type { Control } from '../engine/control.js';
import { CheckpointRole } from '../engine/checkpoint/store.js';
import { StageCheckpoint } from '../engine/checkpoint/stage-checkpoint.js';
import { batchInterval, checkpointTarget, readingSettings } from './common-options.js';
import type { Args, CommandIO } from '../spec.js';
import { stageStatus } from './terminal-display.js';
import { foreignReaderHint, ignoredBatchWarning } from './pipe-hints.js';

/** Runs a stage that reads NDJSON on stdin, applies operators, and writes NDJSON on stdout. */
export async function runTransform(
  command: string,
  args: Args,
  io: CommandIO,
  build: (next: Downstream, ctx: StageContext) => Downstream,
  extra: { dataOnly?: boolean; commits?: boolean; afterControl?(c: Control): Promise<void> | void } = {},
): Promise<number> {
  const target = checkpointTarget(args, command);
  // A sink commits batches instead of gating its output behind state files.
  const checkpoint = target && new StageCheckpoint(CheckpointRole.open(target.dir, target.role), io.warn, !extra.commits);
  try {
    return await runStageWith(command, args, io, build, extra, checkpoint);
  } finally {
    checkpoint?.close();
  }
}

function runStageWith(
  command: string,
  args: Args,
  io: CommandIO,
  build: (next: Downstream, ctx: StageContext) => Downstream,
  extra: { dataOnly?: boolean; afterControl?(c: Control): Promise<void> | void },
  checkpoint: StageCheckpoint | undefined,
): Promise<number> {
  const status = stageStatus(command, args, io);
  status?.line.start();
  const dataOnly = extra.dataOnly ?? (Boolean(args['data-only']) || io.stdoutIsTTY);
  const hint = foreignReaderHint(command, dataOnly, io.warn);
  const batchIgnored = ignoredBatchWarning(command, args, status?.line.warn ?? io.warn);
  return runStage({
    checkpoint,
    command,
    input: io.stdin,
    output: io.stdout,
    clock: io.clock,
    stop: io.stop,
    warn: status?.line.warn ?? io.warn,
    ...readingSettings(args),
    // Control records mean nothing to a person at a terminal.
    dataOnly,
    fallbackInterval: batchInterval(args),
    onUpstream: () => {
      hint.controlFlows();
      batchIgnored();
    },
    boundedInput: stdinIsFile(),
    inputFd: stdinIsFile() ? 0 : undefined,
    boundedAt: stdinModifiedAt(),
    build,
    observer: status,
    afterControl: extra.afterControl,
  }).finally(() => {
    status?.line.stop();
    hint.check();
  });
}
