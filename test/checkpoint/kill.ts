import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sluiceBin } from '../helpers/run.js';

export interface Outcome {
  code: number | null;
  killed: boolean;
  stderr: string;
  ms: number;
}

/**
 * Runs a bash pipeline (with `sluice` as the real bin) in its own process
 * group; with killAfterMs, sends `signal` to the whole group then (SIGKILL: as a crash would).
 */
export function runPipeline(command: string, cwd: string, killAfterMs?: number, timeoutMs = 30_000, signal: NodeJS.Signals = 'SIGKILL'): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('bash', ['-c', `set -o pipefail; sluice() { node ${JSON.stringify(sluiceBin)} "$@"; }; ${command}`], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let killed = false;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const kill = (sig: NodeJS.Signals) => {
      killed = true;
      try {
        process.kill(-child.pid!, sig);
      } catch {
        /* already gone */
      }
    };
    const killer = killAfterMs === undefined ? undefined : setTimeout(() => kill(signal), killAfterMs);
    const guard = setTimeout(() => kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      clearTimeout(guard);
      resolve({ code, killed, stderr, ms: Date.now() - started });
    });
  });
}

/** Events out of order by up to 4 s, keys a..e, deterministic for a seed. */
export function events(n: number, seed: number): string {
  const base = Date.parse('2026-01-01T00:00:00Z');
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = Math.max(base, base + i * 500 - Math.floor(rnd() * 4000));
    lines.push(JSON.stringify({ ts: new Date(t).toISOString(), k: 'abcde'[Math.floor(rnd() * 5)] }));
  }
  return lines.join('\n') + '\n';
}

/**
 * The output length of a `sink file --checkpoint` directory's latest commit (0
 * before the first, or while one is being replaced). Wait on this, not on the
 * file's size, before stopping a restarted run: a killed run's uncommitted tail
 * stays in the file until the restarted sink truncates it.
 */
export function committedLength(sinkDir: string): number {
  try {
    const batches = readdirSync(sinkDir).map((f) => /^commit-(\d+)\.json$/.exec(f)?.[1]).filter((n) => n !== undefined).map(Number);
    if (batches.length === 0) return 0;
    const latest = JSON.parse(readFileSync(join(sinkDir, `commit-${Math.max(...batches)}.json`), 'utf8')) as { body: { output: { length: number } } };
    return latest.body.output.length;
  } catch {
    return 0;
  }
}
