import type { Readable, Writable } from 'node:stream';
import type { Clock } from './engine/clock.js';
import type { StopSignal } from './engine/stop-signal.js';
import type { StageContext } from './engine/context.js';
import type { Downstream } from './engine/stream.js';

/** One option, declared once: yargs, --help, man pages, completion and the README are built from it. */
export interface OptionSpec {
  name: string;
  alias?: string;
  type: 'string' | 'number' | 'boolean' | 'array';
  describe: string;
  placeholder?: string;
  default?: unknown;
  choices?: string[];
  /** Environment variable consulted when the flag is absent. */
  env?: string;
  /** A string option that may also be given bare (`--progress` or `--progress FILE`); bare gives ''. */
  optionalValue?: boolean;
}

export interface PositionalSpec {
  name: string;
  describe: string;
  variadic?: boolean;
  optional?: boolean;
  choices?: string[];
}

export interface ExampleSpec {
  cmd: string;
  describe: string;
}

/** What a running command gets from the CLI: its streams, clock and stop signal. */
export interface CommandIO {
  stdin: Readable;
  stdout: Writable;
  warn(line: string): void;
  clock: Clock;
  stop: StopSignal;
  /** True when stderr is a terminal (progress bars, colour). */
  stderrIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** Positional arguments after `--` (sink exec). */
  rest: string[];
}

export type Args = Record<string, unknown> & { _: (string | number)[] };

/** Builds a command's operator in front of `next`; the same code runs in a pipe stage and in `sluice run`. */
export type OperatorFactory = (next: Downstream, ctx: StageContext) => Downstream;

export interface CommandSpec {
  name: string;
  summary: string;
  /** Paragraphs for the man page DESCRIPTION. */
  description: string[];
  positionals: PositionalSpec[];
  options: OptionSpec[];
  examples: ExampleSpec[];
  run(args: Args, io: CommandIO): Promise<number>;
  /** For transform commands (map, filter, window, reduce-by-key...): the operator, so `sluice run` can chain it in one process. */
  operator?(args: Args): OperatorFactory;
}

export function usageLine(spec: CommandSpec): string {
  const pos = spec.positionals.map((p) => {
    const n = p.variadic ? `${p.name}...` : p.name;
    return p.optional ? `[${n}]` : `<${n}>`;
  });
  return ['sluice', spec.name, ...pos, '[options]'].join(' ');
}
