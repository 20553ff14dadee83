// sink exec and a command that does not end: a signal to the sink, a second
// signal, --timeout; and retries that must not repeat the command's stdout
// (issue 11.10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sh, sluiceBin, tempDir } from '../helpers/run.js';

/** The sink alone, fed one record on a pipe that stays open, so its own 100 ms clock cuts the batch. */
function startSink(dir: string, command: string): { child: ChildProcess; exited: Promise<{ code: number | null; ms: number; stderr: string }>; signalAt: () => void } {
  const child = spawn('node', [sluiceBin, 'sink', 'exec', '--batch', '100ms', '--', 'sh', '-c', command], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  child.stdin!.write('{"v":1}\n');
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.resume();
  let signalledAt = 0;
  const exited = new Promise<{ code: number | null; ms: number; stderr: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, ms: Date.now() - signalledAt, stderr }));
  });
  return { child, exited, signalAt: () => (signalledAt = Date.now()) };
}

async function waitForFile(path: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path) || readFileSync(path, 'utf8').trim() === '') {
    if (Date.now() > deadline) throw new Error(`${path} never appeared`);
    await sleep(50);
  }
  return readFileSync(path, 'utf8').trim();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

test('sink exec: SIGTERM stops a hanging command and its children; the sink exits 143 and says the batch was not done', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  // The command's own child (sleep) is in its process group: it must go too.
  const sink = startSink(dir, 'sleep 1000 & echo $! > grandchild.pid; wait');
  const grandchild = Number(await waitForFile(join(dir, 'grandchild.pid')));
  try {
    sink.signalAt();
    sink.child.kill('SIGTERM');
    const r = await sink.exited;
    assert.equal(r.code, 143, r.stderr);
    assert.ok(r.ms < 8000, `took ${r.ms} ms`);
    assert.match(r.stderr, /batch 0 .*stopped by SIGTERM.*not done/);
    assert.ok(await waitGone(grandchild, 5000), 'the command\'s child is still running');
  } finally {
    killQuietly(grandchild);
  }
});

test('sink exec: a command that ignores SIGTERM is killed about 3 s later; the sink exits 143', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const sink = startSink(dir, 'trap "" TERM; echo $$ > child.pid; while :; do sleep 0.2; done');
  const child = Number(await waitForFile(join(dir, 'child.pid')));
  try {
    sink.signalAt();
    sink.child.kill('SIGTERM');
    const r = await sink.exited;
    assert.equal(r.code, 143, r.stderr);
    assert.ok(r.ms >= 2500 && r.ms < 10_000, `took ${r.ms} ms`);
    assert.ok(await waitGone(child, 5000), 'the command is still running');
  } finally {
    killQuietly(child);
  }
});

test('sink exec: a second SIGTERM ends the sink at once and kills the command', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const sink = startSink(dir, 'trap "" TERM; echo $$ > child.pid; while :; do sleep 0.2; done');
  const child = Number(await waitForFile(join(dir, 'child.pid')));
  try {
    sink.child.kill('SIGTERM');
    await sleep(300);
    sink.signalAt();
    sink.child.kill('SIGTERM');
    const r = await sink.exited;
    assert.equal(r.code, 143, r.stderr);
    assert.ok(r.ms < 2000, `took ${r.ms} ms after the second signal`);
    assert.ok(await waitGone(child, 2000), 'the command is still running after the sink exited');
  } finally {
    killQuietly(child);
  }
});

test('sink exec --timeout: a command that runs too long is killed and counts as a failed attempt', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const r = await sh(
    `printf 'a\\n' | sluice source | sluice sink exec --timeout 300ms --retries 1 --retry-backoff 50ms -- sh -c 'echo run >> runs.txt; sleep 1000 & echo $! >> sleepers.txt; wait'; echo "status=$?"`,
    { cwd: dir, timeoutMs: 30_000 },
  );
  assert.match(r.stdout, /status=1/, r.stderr);
  assert.equal(readFileSync(join(dir, 'runs.txt'), 'utf8'), 'run\nrun\n');
  assert.match(r.stderr, /timed out after 300ms; retry 1 of 1/);
  assert.match(r.stderr, /timed out after 300ms; gave up after 1 retry/);
  const sleepers = readFileSync(join(dir, 'sleepers.txt'), 'utf8').trim().split('\n').map(Number);
  for (const pid of sleepers) {
    const gone = await waitGone(pid, 5000);
    killQuietly(pid);
    assert.ok(gone, `the timed-out command's child ${pid} is still running`);
  }
});

test('sink exec --timeout is checked at parse time', async () => {
  const r = await sh(`sluice sink exec --timeout soon -- true < /dev/null; echo "status=$?"`, { cwd: tempDir() });
  assert.match(r.stdout, /status=2/);
  assert.match(r.stderr, /--timeout/);
});

test('sink exec: a retried batch passes on only the stdout of the attempt that succeeded', async () => {
  const dir = tempDir();
  const r = await sh(
    `printf 'a\\nb\\n' | sluice source | sluice sink exec --retries 3 --retry-backoff 20ms -- sh -c 'echo "attempt $(cat | wc -l)"; n=$(cat tries 2>/dev/null || echo 0); echo $((n + 1)) > tries; [ "$n" -ge 2 ]'`,
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'attempt 2\n');
  assert.equal(readFileSync(join(dir, 'tries'), 'utf8').trim(), '3');
});
