import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { sluiceBin, tempDir } from '../helpers/run.js';

/** Trials per randomized test; raise with SLUICE_ROBUSTNESS_TRIALS. */
export const TRIALS = Number(process.env['SLUICE_ROBUSTNESS_TRIALS'] ?? 20);

export interface StageResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident set size of the sluice process in kB, when measured. */
  peakRssKb?: number;
}

const RSS_MARK = 'sluice-test-maxrss=';

/**
 * Runs one real `sluice` process with `args`. `input` is written to its stdin:
 * a string, bytes, or a function that writes (with backpressure) and ends it.
 * With `measureRss`, /usr/bin/time reports the peak RSS of the process.
 */
export function runSluice(
  args: string[],
  o: {
    input?: string | Buffer | ((stdin: Writable) => Promise<void>);
    /** Give a string/Buffer input as a regular file on stdin: a bounded input is one batch, so results cannot split across batches. */
    bounded?: boolean;
    cwd?: string;
    timeoutMs?: number;
    measureRss?: boolean;
  } = {},
): Promise<StageResult> {
  const command = o.measureRss ? '/usr/bin/time' : process.execPath;
  const argv = o.measureRss ? ['-f', `${RSS_MARK}%M`, process.execPath, sluiceBin, ...args] : [sluiceBin, ...args];
  return new Promise((resolve, reject) => {
    let stdinFd: number | undefined;
    if (o.bounded && typeof o.input !== 'function') {
      const file = join(tempDir('sluice-input-'), 'stdin');
      writeFileSync(file, o.input ?? '');
      stdinFd = openSync(file, 'r');
    }
    const child = spawn(command, argv, { cwd: o.cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'] });
    if (stdinFd !== undefined) closeSync(stdinFd);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let peakRssKb: number | undefined;
      if (o.measureRss) {
        const lines = stderr.split('\n');
        const at = lines.findIndex((l) => l.startsWith(RSS_MARK));
        if (at >= 0) {
          peakRssKb = Number(lines[at]!.slice(RSS_MARK.length));
          lines.splice(at, 1);
          stderr = lines.join('\n');
        }
      }
      resolve({ code, signal, stdout, stderr, peakRssKb });
    });
    if (!child.stdin) return;
    child.stdin.on('error', () => undefined);
    const input = o.input ?? '';
    if (typeof input === 'function') input(child.stdin).catch(() => child.stdin!.destroy());
    else child.stdin.end(input);
  });
}

/** Writes `bytes` to a stream and waits for it to drain. */
export function writeAndDrain(stream: Writable, bytes: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(bytes)) resolve();
    else stream.once('drain', resolve);
  });
}

/** Non-empty lines of a text. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** Every stderr line is a one-line sluice diagnostic: no stack traces, no bare TypeErrors. */
export function assertDiagnosticsOnly(stderr: string): void {
  for (const line of lines(stderr)) {
    if (!/^sluice( [a-z-]+)?: /.test(line)) throw new Error(`stderr line is not a sluice diagnostic: ${JSON.stringify(line)}\n--- stderr:\n${stderr}`);
  }
  if (/\n\s+at |TypeError|RangeError/.test(stderr)) throw new Error(`stderr shows a crash:\n${stderr}`);
}

/** Resident set size of a process in kB, or undefined once it has gone. */
export function rssKb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `ready` until it holds; throws after `ms`. */
export async function waitFor(ready: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await sleep(25);
  }
}

/** A bash function line that runs sluice as `sluice` and records each stage's pid: `stage NAME args...`. */
export function stageFunction(dir: string): string {
  return `stage() { local name=$1; shift; bash -c 'echo $$ > "$0"; exec node ${JSON.stringify(sluiceBin)} "$@"' ${JSON.stringify(dir)}/"$name".pid "$@"; }`;
}

/** Reads the pid a `stage` wrote, waiting for it (bounded). */
export async function pidOf(dir: string, name: string, waitMs = 5000): Promise<number> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      const pid = Number(readFileSync(`${dir}/${name}.pid`, 'utf8').trim());
      if (pid > 0) return pid;
    } catch {
      /* not yet written */
    }
    if (Date.now() > until) throw new Error(`stage ${name} did not start`);
    await sleep(20);
  }
}
