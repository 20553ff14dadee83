import type { Args, CommandIO } from '../../spec.js';
import type { SinkKind } from '../kinds.js';
import { ConsoleSink, plainStyle, type ConsoleOptions, type ConsoleStyle } from './console-sink.js';
import { chartOptions, chartSink } from './console-chart-kind.js';
import { ansiStyle, bold, cyan, dim } from '../../engine/terminal/ansi-style.js';

/** Colour only on a terminal; NO_COLOR wins, FORCE_COLOR forces. */
export function useColour(isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined) return env['FORCE_COLOR'] !== '0' && env['FORCE_COLOR'] !== 'false';
  return isTTY;
}

function consoleStyle(io: CommandIO): ConsoleStyle {
  if (!useColour(io.stdoutIsTTY)) return plainStyle;
  return { header: ansiStyle(bold, cyan), dim: ansiStyle(dim) };
}

/** Both are checked when the command line is parsed; `--no-truncate` arrives as false. */
function tableOptions(args: Args): ConsoleOptions {
  return { maxRows: Number(args['rows']), truncate: args['truncate'] === false ? 0 : Number(args['truncate']) };
}

export const consoleSinkKind: SinkKind = {
  name: 'console',
  describe:
    "console: each batch that has rows as a table in Spark's console layout (dashes, `Batch: N` counting the tables printed, the time range on a dim line, cells cut at --truncate); a window every row shares that ends at the batch's end (per-batch results, running totals) is shown on that line instead of as a column; an aggregation result equal to the last one printed is not printed again; control characters in values are shown escaped (\\x1b, \\n); colour only on a terminal; with --chart, a bar chart of the top keys redrawn in place",
  options: [
    { name: 'rows', type: 'number', placeholder: 'N', default: 20, integer: true, min: 1, describe: "console: most rows shown per batch (Spark's numRows)" },
    {
      name: 'truncate',
      type: 'number',
      placeholder: 'N',
      default: 20,
      integer: true,
      min: 0,
      describe: "console: cut cells longer than N characters to N, ending in '...' (Spark's truncate); --no-truncate (or 0) shows them whole, left-aligned",
    },
    ...chartOptions,
  ],
  build: (_stdout, _ctx, args, io) => ({
    downstream: args['chart'] ? chartSink(io, consoleStyle(io), args) : new ConsoleSink(io.stdout, consoleStyle(io), tableOptions(args)),
  }),
};
