import type { WriteStream } from 'node:tty';
import { UsageError } from '../../engine/errors.js';
import type { Args, CommandIO, OptionSpec } from '../../spec.js';
import { ChartSink } from './console-chart.js';
import type { ConsoleStyle } from './console-sink.js';

export const chartOptions: OptionSpec[] = [
  {
    name: 'chart',
    type: 'boolean',
    default: false,
    describe: 'console: a horizontal bar chart of the top keys of each batch or window, sized by the first aggregate column (count, sum_F...); redrawn in place on a terminal, appended as plain text otherwise',
  },
  { name: 'top', type: 'number', placeholder: 'N', default: 10, integer: true, min: 1, describe: 'console --chart: bars per chart' },
];

function utf8Locale(env: NodeJS.ProcessEnv): boolean {
  return /utf-?8/i.test(env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '');
}

export function chartSink(io: CommandIO, style: ConsoleStyle, args: Args, env: NodeJS.ProcessEnv = process.env): ChartSink {
  const top = Number(args['top']);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a whole number of bars, at least 1 (got ${String(args['top'])})`);
  const tty = io.stdout as Partial<WriteStream>;
  const terminal = {
    live: io.stdoutIsTTY,
    columns: () => (io.stdoutIsTTY && tty.columns) || 80,
    rows: () => (io.stdoutIsTTY && tty.rows) || 24,
  };
  return new ChartSink(io.stdout, style, terminal, top, io.stdoutIsTTY && utf8Locale(env));
}
