// Node learns that the reader of its stdout pipe is gone only when it writes
// (EPIPE). A live source with nothing to write (--data-only over an idle Kafka
// topic or socket) would run on for ever after `| head -1` exited. Node has no
// poll() of an output; GNU tail has (coreutils 8.28 and later): `tail -f`
// exits at once, by SIGPIPE, when the reader of its output goes, and with
// --pid when this process dies. So a tail following /dev/null (it never
// writes) shares our stdout and tells us. Any other exit (another tail that
// refuses --pid, no tail at all) only means there is no watch.
import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';

/** Calls `gone` once the reader of stdout (a pipe) has gone; returns the function that ends the watch. */
export function watchStdoutReader(gone: () => void): () => void {
  let pipe = false;
  try {
    pipe = fstatSync(1).isFIFO();
  } catch {
    /* no stdout */
  }
  if (!pipe) return () => undefined;
  let ended = false;
  const tail = spawn('tail', ['-f', `--pid=${process.pid}`, '/dev/null'], { stdio: ['ignore', 1, 'ignore'] });
  tail.on('error', () => undefined);
  tail.on('exit', (_code, signal) => {
    if (!ended && signal === 'SIGPIPE') gone();
  });
  tail.unref();
  return () => {
    ended = true;
    if (tail.exitCode === null && tail.signalCode === null) tail.kill();
  };
}
