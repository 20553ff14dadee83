// Long-running shell pipelines for tests (a Kafka consumer never ends by itself):
// started in their own process group, stopped by signal, always reaped.
import { spawn } from 'node:child_process';
import { sluiceBin, type RunResult } from './run.js';

export interface Background {
  /** Signals the whole pipeline (its process group). */
  signal(sig: NodeJS.Signals): void;
  /** Resolves when the pipeline ended. */
  done: Promise<RunResult>;
  /** Output so far. */
  readonly stderr: string;
}

/**
 * Starts `command` under bash, with `sluice` being the real bin, in its own
 * process group. The group is SIGKILLed after `timeoutMs` whatever happens.
 */
export function background(command: string, o: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Background {
  const child = spawn('bash', ['-c', `set -o pipefail; sluice() { node ${JSON.stringify(sluiceBin)} "$@"; }; ${command}`], {
    cwd: o.cwd,
    env: { ...process.env, NO_COLOR: '1', ...o.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  const timer = setTimeout(() => signal('SIGKILL'), o.timeoutMs ?? 60_000);
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout, stderr });
    });
  });
  return {
    signal,
    done,
    get stderr() {
      return stderr;
    },
  };
}
