// Runs one shell command and measures its wall time and peak resident memory.
// GNU time reports the largest maximum RSS of any process the command waited
// for, so for a pipeline it is the biggest stage, which is what the memory
// target is about.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratch = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
// Children run in their own process group (so a pipeline can be killed whole): take them along on a signal.
const running = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of running) killGroup(pid);
    process.exit(130);
  });
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Resolves to { seconds, rssMB, code, stderr } for `bash -c cmd` with stdout discarded. */
export function measure(cmd, { timeoutMs = 300_000, cwd } = {}) {
  const timeFile = join(scratch, 'time.txt');
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%M', 'bash', '-c', `set -o pipefail; ${cmd} > /dev/null`], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    running.add(child.pid);
    const timer = setTimeout(() => killGroup(child.pid), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child.pid);
      const seconds = (performance.now() - began) / 1000;
      let rssMB = NaN;
      try {
        const text = readFileSync(timeFile, 'utf8').trim().split('\n');
        rssMB = Number(text[text.length - 1]) / 1024;
      } catch {
        /* time did not write */
      }
      resolve({ seconds, rssMB, code, stderr });
    });
  });
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function percentile(values, p) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)];
}
