import { Chalk } from 'chalk';
import type { CommandIO } from '../../spec.js';
import type { SinkKind } from '../kinds.js';
import { ConsoleSink, plainStyle, type ConsoleStyle } from './console-sink.js';
import { chartOptions, chartSink } from './console-chart-kind.js';

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

export const consoleSinkKind: SinkKind = {
  name: 'console',
  describe: "console: each batch that has rows as a table under a batch header, like Spark's console sink; colour only on a terminal; with --chart, a bar chart of the top keys redrawn in place",
  options: [
    { name: 'rows', type: 'number', placeholder: 'N', default: 20, integer: true, min: 1, describe: 'console: most rows shown per batch' },
    ...chartOptions,
  ],
  build: (_stdout, _ctx, args, io) => ({
    downstream: args['chart'] ? chartSink(io, consoleStyle(io), args) : new ConsoleSink(io.stdout, consoleStyle(io), Number(args['rows'])),
  }),
};
