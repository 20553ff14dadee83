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
  /** The value's shape, checked when the command line is parsed: a duration (500ms, 10s) or a TCP port. */
  kind?: 'duration' | 'port';
  /** Numbers: a whole number is required. */
  integer?: boolean;
  /** Numbers: the smallest value allowed. */
  min?: number;
  /** Numbers: values must be greater than this. */
  above?: number;
  /** Words accepted besides the value's kind (e.g. `off` for a duration). */
  alsoAccepts?: string[];
}

/** What a value must look like, for help and for the usage error; undefined when anything goes. */
export function valueRule(o: OptionSpec): string | undefined {
  const words = o.alsoAccepts?.length ? ` or ${o.alsoAccepts.join(', ')}` : '';
  if (o.kind === 'duration') return `a duration such as 500ms, 10s, 5m, 1h${words}`;
  if (o.kind === 'port') return `a TCP port, 0 to 65535${words}`;
  if (o.type !== 'number') return undefined;
  const what = o.integer ? 'a whole number' : 'a number';
  if (o.above !== undefined) return `${what} > ${o.above}${words}`;
  if (o.min !== undefined) return `${what} >= ${o.min}${words}`;
  return what + words;
}

/** The source or sink kinds a command chooses between by a positional; each kind declares its own options. */
export interface KindChoice {
  /** The positional that names the kind. */
  positional: string;
  /** The kind used when the positional is absent. */
  fallback: string;
  kinds: { name: string; options: OptionSpec[] }[];
}

export interface PositionalSpec {
  name: string;
  describe: string;
  variadic?: boolean;
  optional?: boolean;
  choices?: string[];
}

export interface ExampleSpec {
  /** Run from the repository root; it reads the sample files in docs/samples/ (a test runs every example that is not live). */
  cmd: string;
  describe: string;
  /** Runs until interrupted or needs something outside (a server, a shell's fpath): not run by the examples test. */
  live?: boolean;
}

export interface ExampleSpec {
  /** Run from the repository root; it reads the sample files in docs/samples/ (a test runs every example that is not live). */
  cmd: string;
  describe: string;
  /** Runs until interrupted or needs something outside (a server, a shell's fpath): not run by the examples test. */
  live?: boolean;
}

/** Splits at `sep` where it is not inside '...' or "..." (a run pipeline's stages stay in one word). */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (text.startsWith(sep, i)) {
      parts.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * An example as lines that a terminal never wraps mid-command: a long command
 * is broken before a `| `, continued with ` \\` outside quotes, or inside a
 * single-quoted `sluice run` pipeline simply by the newline (a newline inside
 * '...' is part of the word, and run reads it as a space).
 */
export function exampleLines(cmd: string, width = 78): string[] {
  if (cmd.length <= width) return [cmd];
  const pieces: { text: string; quoted: boolean }[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (quote === '"' && c === '\\') i++;
    else if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    if (cmd.startsWith(' | ', i) && quote !== '"') {
      pieces.push({ text: cmd.slice(start, i), quoted: quote === "'" });
      start = i + 1;
    }
  }
  pieces.push({ text: cmd.slice(start), quoted: false });
  const lines: string[] = [];
  let line = pieces[0]!.text;
  for (let i = 1; i < pieces.length; i++) {
    const next = pieces[i]!.text;
    if (line.length + next.length + 1 > width) {
      lines.push(pieces[i - 1]!.quoted ? line : `${line} \\`);
      line = `  ${next}`;
    } else line += ` ${next}`;
  }
  lines.push(line);
  return lines;
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
  /** Words after `--` are the command's own (io.rest: sink exec's command, source's paths); otherwise they fill its positionals, as `sluice map -- EXPR`. */
  restAfterDashes?: boolean;
  /** For source and sink: options that belong to one kind are usage errors with any other. */
  kinds?: KindChoice;
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
