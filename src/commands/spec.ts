import type { Readable, Writable } from 'node:stream';
import type { Clock } from '../engine/clock.js';
import type { StopSignal } from '../engine/stop-signal.js';

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

export interface CommandSpec {
  name: string;
  summary: string;
  /** Paragraphs for the man page DESCRIPTION. */
  description: string[];
  positionals: PositionalSpec[];
  options: OptionSpec[];
  examples: ExampleSpec[];
  run(args: Args, io: CommandIO): Promise<number>;
}

export function usageLine(spec: CommandSpec): string {
  const pos = spec.positionals.map((p) => {
    const n = p.variadic ? `${p.name}...` : p.name;
    return p.optional ? `[${n}]` : `<${n}>`;
  });
  return ['sluice', spec.name, ...pos, '[options]'].join(' ');
}
