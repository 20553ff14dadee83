import { readFileSync } from 'node:fs';
import { lazyBuiltin } from '../lazy-builtin.js';

const workerThreads = lazyBuiltin('node:worker_threads');

/**
 * SLUICE_TRACE_PARALLEL=1: --parallel's combine writes a line to stderr at
 * each step of a file's ranges (start-up, each range, the wait, the merge),
 * in milliseconds since the process started, from every thread: where the
 * wall time of a run goes (docs/PERFORMANCE.md). Off: a no-op.
 */
export const traceParallel: (what: string) => void =
  process.env['SLUICE_TRACE_PARALLEL'] === '1'
    ? // process.uptime() is the process's on every thread (a worker's performance.now() counts from its own start).
      (what) => process.stderr.write(`sluice trace ${(process.uptime() * 1000).toFixed(1)} ms (thread ${workerThreads().threadId}: ${threadCpuMs()} ms CPU): ${what}\n`)
    : () => undefined;

if (process.env['SLUICE_TRACE_PARALLEL'] === '1') process.once('exit', () => traceParallel('exit'));

/** The CPU time this thread has run (Linux: its schedstat, in ns; elsewhere '?'), which a loaded machine does not inflate as it does the wall time. */
function threadCpuMs(): string {
  try {
    return (Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6).toFixed(1);
  } catch {
    return '?';
  }
}
