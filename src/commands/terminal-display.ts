import { statSync } from 'node:fs';
import type { Clock } from '../engine/clock.js';
import type { LiveLine, TerminalOut } from '../engine/terminal/live-line.js';
import { progressBar, type ProgressCounters } from '../engine/terminal/progress-bar.js';
import { StageStatus } from '../engine/terminal/stage-status.js';
import type { Args, CommandIO, OptionSpec } from '../spec.js';

/**
 * The command side of the terminal displays: decides whether a progress bar or
 * a status line is shown (only when stderr is a terminal) and hands the engine's
 * renderers a raw stderr writer.
 */

export const statusOption: OptionSpec = {
  name: 'status',
  type: 'boolean',
  default: false,
  env: 'SLUICE_STATUS',
  describe: 'show a live one-line status on stderr when it is a terminal: records/s in and out, batches, watermark, state size',
};

function stderrTerminal(): TerminalOut {
  return {
    write: (text) => void process.stderr.write(text),
    get columns() {
      return process.stderr.columns || 80;
    },
  };
}

/** The --status line of a stage, or undefined when not asked for or stderr is not a terminal. */
export function stageStatus(command: string, args: Args, io: Pick<CommandIO, 'stderrIsTTY' | 'clock'>): StageStatus | undefined {
  if (!args['status'] || !io.stderrIsTTY) return undefined;
  return new StageStatus(`sluice ${command}`, stderrTerminal(), io.clock);
}

/** Total size of regular files, or undefined when one cannot be read (then no bar: its percentage would lie). */
export function totalFileBytes(paths: string[]): number | undefined {
  let total = 0;
  for (const p of paths) {
    try {
      const st = statSync(p);
      if (!st.isFile()) return undefined;
      total += st.size;
    } catch {
      return undefined;
    }
  }
  return total;
}

/** A progress bar for reading bounded files, or undefined when stderr is not a terminal. */
export function fileProgressBar(paths: string[], io: Pick<CommandIO, 'stderrIsTTY'>, clock: Clock, counters: ProgressCounters): LiveLine | undefined {
  if (!io.stderrIsTTY) return undefined;
  const total = totalFileBytes(paths);
  return total === undefined ? undefined : progressBar(stderrTerminal(), clock, total, counters);
}
