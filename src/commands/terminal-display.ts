import { statSync } from 'node:fs';
import type { Clock } from '../engine/clock.js';
import { FileAreaPeers } from '../engine/terminal/area-exchange.js';
import { LiveArea, type TerminalOut } from '../engine/terminal/live-area.js';
import type { LiveLine } from '../engine/terminal/live-line.js';
import { progressBar, type ProgressCounters } from '../engine/terminal/progress-bar.js';
import { StageStatus } from '../engine/terminal/stage-status.js';
import type { Args, CommandIO, OptionSpec } from '../spec.js';

/**
 * The command side of the terminal displays: decides whether a progress bar or
 * a status line is shown (only when stderr is a terminal) and puts them in the
 * process's live area, shared with the other stages of the pipeline on that
 * terminal (src/engine/terminal/live-area.ts).
 */

/** A stage that is not the terminal's owner waits this long before drawing the area itself. */
const CLAIM_DELAY_MS = 1000;

export const statusOption: OptionSpec = {
  name: 'status',
  type: 'boolean',
  default: false,
  env: 'SLUICE_STATUS',
  describe:
    'show a live status line on stderr when it is a terminal: records/s in and out, batches, watermark, state size; the lines of all stages of a pipeline form one block at the bottom of the terminal, which a console table never tears',
};

function stderrTerminal(): TerminalOut {
  return {
    write: (text) => void process.stderr.write(text),
    get columns() {
      return process.stderr.columns || 80;
    },
  };
}

let area: LiveArea | undefined;

/**
 * The process's live area, made on first use. When stdout is the same kind of
 * terminal the process owns the area: whatever it writes to stdout (a table,
 * records) erases the block first and redraws it after.
 */
function liveArea(io: Pick<CommandIO, 'stdoutIsTTY' | 'clock'>): LiveArea {
  if (area) return area;
  const made = new LiveArea(stderrTerminal(), io.clock, FileAreaPeers.forThisPipeline(), { owner: io.stdoutIsTTY, claimDelayMs: CLAIM_DELAY_MS });
  area = made;
  process.once('exit', () => made.stop());
  if (io.stdoutIsTTY) {
    const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
    // Terminal writes are synchronous on POSIX, so the block is erased and redrawn around each of them.
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
      made.beforeOutput();
      const ok = write(chunk, ...rest);
      made.afterOutput(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('latin1', Math.max(0, chunk.length - 32)) : '');
      return ok;
    }) as typeof process.stdout.write;
    made.start();
  }
  return made;
}

/**
 * The --status line of a stage, or undefined when not asked for or stderr is
 * not a terminal. A stage writing to the terminal takes part in the live area
 * even without --status, so other stages' lines never run through its output.
 */
export function stageStatus(command: string, args: Args, io: Pick<CommandIO, 'stderrIsTTY' | 'stdoutIsTTY' | 'clock'>): StageStatus | undefined {
  if (!io.stderrIsTTY) return undefined;
  if (io.stdoutIsTTY) liveArea(io);
  if (!args['status']) return undefined;
  return new StageStatus(`sluice ${command}`, liveArea(io), io.clock);
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
export function fileProgressBar(paths: string[], io: Pick<CommandIO, 'stderrIsTTY' | 'stdoutIsTTY' | 'clock'>, clock: Clock, counters: ProgressCounters): LiveLine | undefined {
  if (!io.stderrIsTTY) return undefined;
  const total = totalFileBytes(paths);
  const terminal = stderrTerminal();
  return total === undefined ? undefined : progressBar(liveArea(io), () => terminal.columns, clock, total, counters);
}
