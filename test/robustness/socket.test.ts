// The "socket source flooded or a client that never sends a newline" row:
// `sluice source socket --listen` against real TCP clients. Memory is read
// from /proc while it happens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { sluiceBin } from '../helpers/run.js';
import { assertDiagnosticsOnly, lines, rssKb, runSluice, sleep, waitFor } from './harness.js';
import { testNeeding } from '../helpers/tools.js';

interface Listener {
  child: ChildProcess;
  port: number;
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<number | null>;
}

/** Starts `sluice source socket --listen 0 ...`; its stdout goes to `reader` (a slow pv) or is collected. */
async function listen(args: string[], reader?: string[]): Promise<Listener> {
  const child = spawn(process.execPath, [sluiceBin, 'source', 'socket', '--listen', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  if (reader) spawn(reader[0]!, reader.slice(1), { stdio: [child.stdout!, 'ignore', 'ignore'] });
  else child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // With a reader the stdout pipe is the reader's, so 'close' would wait for it; 'exit' is enough there.
  const exited = new Promise<number | null>((resolve) => child.on(reader ? 'exit' : 'close', (code) => resolve(code)));
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(kill));
  await waitFor(() => /listening on [^:]+:\d+/.test(stderr), 10_000);
  const port = Number(/listening on [^:]+:(\d+)/.exec(stderr)![1]);
  return {
    child,
    port,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      // The announcement of the port is not a finding.
      return stderr.replace(/^sluice source: listening on .*\n/m, '');
    },
  };
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Writes `chunk` repeatedly as fast as the connection takes it (respecting drain) until `until` or `maxBytes`; returns bytes written. */
async function flood(s: Socket, chunk: Buffer, until: number, maxBytes = Infinity): Promise<number> {
  let sent = 0;
  while (Date.now() < until && sent < maxBytes && !s.destroyed) {
    sent += chunk.length;
    if (!s.write(chunk)) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, until - Date.now()));
        s.once('drain', () => (clearTimeout(t), resolve()));
      });
    }
  }
  return sent;
}

/** Samples the RSS of `pid` every 200 ms while `work` runs; returns the samples in MB. */
async function sampleRss<T>(pid: number, work: Promise<T>): Promise<{ result: T; mb: number[] }> {
  const mb: number[] = [];
  let done = false;
  const sampling = (async () => {
    while (!done) {
      const kb = rssKb(pid);
      if (kb !== undefined) mb.push(kb / 1024);
      await sleep(200);
    }
  })();
  const result = await work;
  done = true;
  await sampling;
  return { result, mb };
}

testNeeding(['pv'], 'socket --listen flooded by a fast client behind a slow reader (pv -qL 100k): the socket is paused, memory stays flat', {}, async () => {
  const seconds = Number(process.env['SLUICE_SOCKET_FLOOD_SECONDS'] ?? 8);
  const l = await listen(['--format', 'json'], ['pv', '-qL', '100k']);
  const s = await client(l.port);
  const line = Buffer.from(JSON.stringify({ payload: 'x'.repeat(200) }) + '\n');
  const chunk = Buffer.concat(Array.from({ length: 256 }, () => line));
  const { result: sent, mb } = await sampleRss(l.child.pid!, flood(s, chunk, Date.now() + seconds * 1000));
  s.destroy();
  l.child.kill('SIGTERM');
  const code = await l.exited;
  const peak = Math.max(...mb);
  const half = mb.slice(Math.floor(mb.length / 2));
  console.log(`# flood ${seconds}s: client sent ${(sent / 1e6).toFixed(1)} MB, source RSS ${Math.min(...mb).toFixed(0)}-${peak.toFixed(0)} MB over ${mb.length} samples`);
  // Without backpressure the client would push hundreds of MB in this time over loopback.
  assert.ok(sent < 40e6, `the client could send ${sent} bytes: the socket was not paused`);
  assert.ok(peak < 160, `source RSS reached ${peak} MB`);
  assert.ok(Math.max(...half) - Math.min(...half) < 30, `RSS still growing in the second half: ${half.map((x) => x.toFixed(0)).join(' ')}`);
  assert.equal(code, 143);
  assertDiagnosticsOnly(l.stderr);
});

test('socket --listen: a client that sends 100 MB without a newline hits --max-line-bytes, memory bounded, the next lines and other clients still arrive', async () => {
  const l = await listen(['--format', 'json', '--max-line-bytes', String(1 << 20), '--on-error', 'skip', '--data-only']);
  const other = await client(l.port);
  other.write('{"other":1}\n');
  const s = await client(l.port);
  const block = Buffer.alloc(1 << 20, 'a');
  const { result: sent, mb } = await sampleRss(l.child.pid!, flood(s, block, Date.now() + 40_000, 100 << 20));
  assert.equal(sent, 100 << 20, 'the whole line was sent within the time limit');
  // While the line is still open the source holds none of it.
  const peakOpen = Math.max(...mb);
  other.write('{"other":2}\n');
  await waitFor(() => l.stdout.includes('{"other":2}'), 10_000);
  s.end('\n{"after":1}\n');
  await waitFor(() => l.stdout.includes('{"after":1}'), 10_000);
  other.end();
  l.child.kill('SIGTERM');
  const code = await l.exited;
  console.log(`# 100 MB line without newline: source RSS peak ${peakOpen.toFixed(0)} MB`);
  assert.ok(peakOpen < 150, `source RSS reached ${peakOpen} MB while the line was open`);
  assert.deepEqual(lines(l.stdout).map((x) => JSON.parse(x) as unknown), [{ other: 1 }, { other: 2 }, { after: 1 }]);
  assert.match(l.stderr, /^sluice source: 127\.0\.0\.1:\d+#2:1: line of 104857600 bytes is longer than --max-line-bytes 1048576 \(not read into memory\); skipped$/m);
  assertDiagnosticsOnly(l.stderr);
  assert.equal(code, 143);
});

test('socket --listen --max-connections 2: the third client is refused with one warning line; the others go on, a freed slot is taken again', async () => {
  const l = await listen(['--max-connections', '2', '--data-only']);
  const a = await client(l.port);
  const b = await client(l.port);
  a.write('a1\n');
  b.write('b1\n');
  await waitFor(() => l.stdout.includes('b1') && l.stdout.includes('a1'), 10_000);
  const c = await client(l.port);
  const closed = new Promise<string>((resolve) => {
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString()));
    c.on('close', () => resolve(got));
    c.on('error', () => undefined);
  });
  c.write('c1\n');
  assert.equal(await closed, '', 'the refused client is closed without a reply');
  await waitFor(() => /refused/.test(l.stderr), 5000);
  const warnings = lines(l.stderr);
  assert.equal(warnings.length, 1, l.stderr);
  assert.match(warnings[0]!, /^sluice source: socket: refused a connection from 127\.0\.0\.1: already 2 connections \(--max-connections\)$/);
  a.end('a2\n');
  await waitFor(() => l.stdout.includes('a2'), 10_000);
  await sleep(100);
  const d = await client(l.port);
  d.end('d1\n');
  b.end('b2\n');
  await waitFor(() => l.stdout.includes('d1') && l.stdout.includes('b2'), 10_000);
  l.child.kill('SIGTERM');
  assert.equal(await l.exited, 143);
  assert.deepEqual(lines(l.stdout).map((x) => (JSON.parse(x) as { value: string }).value).sort(), ['a1', 'a2', 'b1', 'b2', 'd1']);
  assert.equal(lines(l.stderr).length, 1, l.stderr);
});

test('--max-line-bytes 1MiB is a usage error: it used to parse as NaN and silently turn the limit off', async () => {
  const r = await runSluice(['source', 'socket', '--listen', '0', '--max-line-bytes', '1MiB']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^sluice source: --max-line-bytes must be a whole number >= 1 \(got '1MiB'\)$/m);
  const depth = await runSluice(['map', 'r', '--max-depth', '0'], { input: '{}\n' });
  assert.equal(depth.code, 2);
  assert.match(depth.stderr, /^sluice map: --max-depth must be a whole number >= 1 \(got '0'\)$/m);
});
