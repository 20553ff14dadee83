import { Chalk } from 'chalk';
import { UsageError } from '../engine/errors.js';
import { ConsoleSink, plainStyle, type ConsoleStyle } from '../sinks/console-sink.js';
import { AppendFileSink } from '../sinks/file-sink.js';
import { batchOption, readingOptions } from './common-options.js';
import { runTransform } from './run-transform.js';
import type { Args, CommandIO, CommandSpec } from './spec.js';

const KINDS = ['stdout', 'console', 'file'] as const;
type Kind = (typeof KINDS)[number];

/** Colour only on a terminal; NO_COLOR wins, FORCE_COLOR forces. */
export function useColour(isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined) return env['FORCE_COLOR'] !== '0' && env['FORCE_COLOR'] !== 'false';
  return isTTY;
}

function consoleStyle(io: CommandIO): ConsoleStyle {
  if (!useColour(io.stdoutIsTTY)) return plainStyle;
  const c = new Chalk({ level: 1 });
  return { header: (t) => c.bold.cyan(t), dim: (t) => c.dim(t) };
}

export const sinkCommand: CommandSpec = {
  name: 'sink',
  summary: 'write records to stdout, a console table or a file',
  description: [
    'Ends a pipeline. Kinds: stdout (default): NDJSON data records, control records removed, for any tool; console: each batch that has rows as a readable table under a batch header, like Spark\'s console sink (colour only on a terminal; NO_COLOR and FORCE_COLOR are honoured); file PATH: appends NDJSON to PATH, flushed at every batch boundary.',
  ],
  positionals: [
    { name: 'kind', describe: 'stdout, console or file', optional: true, choices: [...KINDS] },
    { name: 'target', describe: 'file: the output path', optional: true },
  ],
  options: [{ name: 'rows', type: 'number', default: 20, describe: 'console: most rows shown per batch' }, ...readingOptions, batchOption],
  examples: [
    { cmd: `echo '{"a":1}' | sluice sink`, describe: 'NDJSON to stdout' },
    { cmd: `sluice source rate --per-second 5 --limit 10 | sluice sink console`, describe: 'tables per batch' },
    { cmd: `sluice source file in.txt | sluice sink file out.ndjson`, describe: 'append to a file' },
  ],
  run: runSink,
};

async function runSink(args: Args, io: CommandIO): Promise<number> {
  const kind = (args['kind'] ?? 'stdout') as Kind;
  switch (kind) {
    case 'stdout':
      return runTransform('sink', args, io, (writer) => writer, { dataOnly: true });
    case 'console':
      return runTransform('sink', args, io, () => new ConsoleSink(io.stdout, consoleStyle(io), Number(args['rows'])));
    case 'file': {
      const path = args['target'];
      if (typeof path !== 'string' || path === '') throw new UsageError('sink file needs a PATH');
      let sink: AppendFileSink | undefined;
      try {
        return await runTransform('sink', args, io, (_writer, ctx) => {
          sink = new AppendFileSink(path, (err) => ctx.errors.bad(`cannot serialise record: ${err.message}`));
          return sink;
        });
      } finally {
        sink?.close();
      }
    }
  }
}
