import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { lazyBuiltin } from '../../engine/lazy-builtin.js';

const childProcess = lazyBuiltin('node:child_process');

/** After SIGTERM to a command's process group, this long until SIGKILL (the stage's signal grace, docs/ARCHITECTURE.md "Signals"). */
export const KILL_GRACE_MS = 3000;

export interface Attempt {
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** A file to be the command's stdin, or the text to pipe into it. */
  stdin: { file: string } | { text: string };
  /** The file that receives the command's stdout (passed on only when the attempt succeeds). */
  stdoutFile: string;
  /** Kill the command after this many ms; 0: no limit. */
  timeoutMs: number;
  setTimer(ms: number, fn: () => void): { cancel(): void };
}

/** One running command; stop() ends it (and everything it started) the way a signalled stage must. */
export interface RunningCommand {
  /** Resolves to undefined on exit 0, else to what went wrong ("exited with status 3", "timed out after 30s"...). */
  result: Promise<string | undefined>;
  /** SIGTERM to the command's process group now, SIGKILL after KILL_GRACE_MS; the result says `why`. */
  stop(why: string): void;
  /** SIGKILL to the process group at once (the stage is exiting). */
  killNow(): void;
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    /* the group is gone */
  }
}

/**
 * Starts one attempt of `sink exec`'s command in its own process group, so a
 * stop reaches whatever the command started (a shell's children too), never
 * through a shell. Its stdout goes to a private file, not to the stage's
 * stdout, so a failed attempt's output is never passed on.
 */
export function startCommand(a: Attempt, timeoutText: string): RunningCommand {
  const stdinFd = 'file' in a.stdin ? openSync(a.stdin.file, 'r') : -1;
  const stdoutFd = openSync(a.stdoutFile, 'w', 0o600);
  const [cmd, ...cmdArgs] = a.argv as [string, ...string[]];
  let child: ChildProcess;
  try {
    child = childProcess().spawn(cmd, cmdArgs, { shell: false, env: a.env, detached: true, stdio: [stdinFd >= 0 ? stdinFd : 'pipe', stdoutFd, 'inherit'] });
  } finally {
    // The child has its own copies.
    if (stdinFd >= 0) closeSync(stdinFd);
    closeSync(stdoutFd);
  }
  let stoppedBy: string | undefined;
  let killTimer: { cancel(): void } | undefined;
  let exited = false;
  const stop = (why: string) => {
    if (exited || stoppedBy !== undefined) return;
    stoppedBy = why;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = a.setTimer(KILL_GRACE_MS, () => signalGroup(child.pid, 'SIGKILL'));
  };
  const timeout = a.timeoutMs > 0 ? a.setTimer(a.timeoutMs, () => stop(`timed out after ${timeoutText}`)) : undefined;
  const result = new Promise<string | undefined>((resolve) => {
    let spawnError: string | undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err.code === 'ENOENT' ? 'not found' : err.code === 'EACCES' ? 'not executable' : err.message;
    });
    if ('text' in a.stdin && child.stdin) {
      // A command that does not read its input (EPIPE) is not a failure in itself: its exit status decides.
      child.stdin.on('error', () => undefined);
      child.stdin.end(a.stdin.text);
    }
    child.on('close', (code, signal) => {
      exited = true;
      timeout?.cancel();
      // The command is gone; what it left running in its group is not.
      if (stoppedBy !== undefined) signalGroup(child.pid, 'SIGKILL');
      killTimer?.cancel();
      if (spawnError) resolve(`cannot run: ${spawnError}`);
      else if (stoppedBy !== undefined) resolve(stoppedBy);
      else if (signal) resolve(`was killed by ${signal}`);
      else if (code !== 0) resolve(`exited with status ${code}`);
      else resolve(undefined);
    });
  });
  return {
    result,
    stop,
    killNow: () => {
      if (!exited) signalGroup(child.pid, 'SIGKILL');
    },
  };
}
