import type { Args, CommandIO, OptionSpec } from '../spec.js';
import type { StageContext } from '../engine/context.js';
import type { Positions } from '../engine/control.js';
import type { NdjsonWriter } from '../engine/ndjson-writer.js';
import type { SourceDriver } from '../engine/source-driver.js';
import type { Downstream } from '../engine/stream.js';

/** What a source kind gets while it runs. */
export interface SourceRun {
  driver: SourceDriver;
  args: Args;
  /** Positional arguments after the kind (paths, HOST:PORT...). */
  targets: string[];
  io: CommandIO;
  /** Await between input chunks: waits while downstream is full. */
  settle(): Promise<void>;
  /** Called once when the stage must stop (signal or closed reader). */
  onStop(listener: () => void): void;
  /** With --checkpoint: the positions of the last batch the sink committed; continue right after them. */
  resume?: Positions;
  /**
   * For a kind that wants acknowledgements (SourceKind.acknowledged), in a pipe
   * of sluice stages: the directory where the sluice sink at its end records
   * the batches it finished (src/engine/ack/). Undefined when this process's
   * own output is the end (`sluice run`, whose handed-on promise resolves once
   * its sink finished a batch; data-only output for a foreign reader).
   */
  ackDir?: string;
}

/** One kind of `sluice source`: stdin, file, socket, rate, ... One file each under sources/. */
export interface SourceKind {
  name: string;
  /** One line for help and man pages: usage and meaning. */
  describe: string;
  /** Options only this kind uses (declared once; shown in the source command's help). */
  options: OptionSpec[];
  /** Checks arguments before anything starts; throws UsageError. */
  validate?(args: Args, targets: string[]): void;
  bounded(args: Args, targets: string[]): boolean;
  /** For a bounded input: its time (newest modification time, epoch ms), which stamps its batches instead of the wall clock. */
  boundedAt?(args: Args, targets: string[]): number | undefined;
  /** True when the kind commits positions upstream and, without --checkpoint, should only commit batches the sink finished (Kafka). */
  acknowledged?(args: Args): boolean;
  /**
   * A kind that resumes from committed positions, so --checkpoint applies to it.
   * `owns` tells whether a commit's positions hold any of this source's inputs:
   * one that holds only other inputs' positions belongs to another pipeline.
   */
  replay?: { owns(positions: Positions, args: Args, targets: string[]): boolean };
  run(ctx: SourceRun): Promise<void>;
}

/** One kind of `sluice sink`: stdout, console, file, ... One file each under sinks/. */
export interface SinkKind {
  name: string;
  describe: string;
  options: OptionSpec[];
  /** Sinks that write NDJSON to stdout keep control records out of it. */
  dataOnlyStdout?: boolean;
  /** Builds the terminal Downstream; `stdout` is the stage's NDJSON writer. */
  build(stdout: NdjsonWriter, ctx: StageContext, args: Args, io: CommandIO): SinkInstance;
}

export interface SinkInstance {
  downstream: Downstream;
  /** Runs after the stage ended, however it ended. */
  close?(): void | Promise<void>;
  /** True when the sink writes its own --checkpoint commits; otherwise the sink command commits after each batch was handed on (at-least-once). */
  commits?: boolean;
}
