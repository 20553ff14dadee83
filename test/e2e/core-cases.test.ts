import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { records, sh, sluiceBin, tempDir } from '../helpers/run.js';
import { testNeeding } from '../helpers/tools.js';

function spawnPipeline(command: string, cwd: string) {
  const child = spawn('bash', ['-c', `sluice() { node ${JSON.stringify(sluiceBin)} "$@"; }; ${command}; echo "STATUS \${PIPESTATUS[*]}" >&2`], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lines: { at: number; text: string }[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const l of d.split('\n')) if (l) lines.push({ at: Date.now(), text: l });
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
  done.then(() => clearTimeout(killer), () => clearTimeout(killer));
  return { child, done, out: () => stdout, err: () => stderr, lines };
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('issue 2 case 2: netcat-style server, batches printed shortly after each batch ends, clean exit when the server closes', async () => {
  const dir = tempDir();
  let client: Socket | undefined;
  const server = createServer((s) => (client = s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const p = spawnPipeline(
    `sluice source socket localhost:${port} | sluice map --flat 'r.value.split(" ")' | sluice reduce-by-key value --count | sluice sink console`,
    dir,
  );
  await waitFor(() => client !== undefined, 10_000, 'the source to connect');
  // Send in the first half of a second, so the batch boundary is well after.
  await waitFor(() => Date.now() % 1000 < 300, 2000, 'the start of a second');
  const sentInBatchEnding = Math.floor(Date.now() / 1000) * 1000 + 1000;
  client!.write('x y x\n');
  await waitFor(() => /\| +x\|/.test(p.out()), 5000, 'the first table');
  const header = p.lines.find((l) => l.text.startsWith('Batch: '))!;
  const lag = header.at - sentInBatchEnding;
  assert.ok(lag < 700, `table printed ${lag} ms after its batch ended`);
  assert.match(p.out(), /\| +x\| +2\|/);
  assert.match(p.out(), /\| +y\| +1\|/);
  client!.end();
  server.close();
  assert.equal(await p.done, 0);
  assert.match(p.err(), /STATUS 0 0 0 0/);
});

testNeeding(['pgrep'], 'issue 2 case 3: listening source, a client sends words, SIGTERM to the source flushes and ends the pipeline', {}, async () => {
  const dir = tempDir();
  const p = spawnPipeline(
    `sluice source socket --listen 0 2>port.txt | sluice map --flat 'r.value.split(" ")' | sluice reduce-by-key value --count | sluice sink`,
    dir,
  );
  const portFile = join(dir, 'port.txt');
  let port = 0;
  await waitFor(() => {
    try {
      port = Number(/:(\d+)/.exec(readFileSync(portFile, 'utf8'))?.[1] ?? 0);
    } catch {
      /* not yet */
    }
    return port > 0;
  }, 10_000, 'the server to listen');
  await new Promise<void>((resolve) => {
    const c = connect(port, '127.0.0.1', () => c.end('x y x\n'));
    c.on('close', () => resolve());
  });
  await new Promise((r) => setTimeout(r, 300));
  // SIGTERM to the source only (the first process of the pipeline group whose command line has --listen).
  const ps = await sh(`pgrep -f -- '^node .*bin/sluice source socket --listen 0'`);
  const pids = ps.stdout.trim().split('\n').filter(Boolean).map(Number);
  assert.ok(pids.length >= 1, 'source process found');
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  const code = await p.done;
  const counts = Object.fromEntries(records(p.out()).map((r) => [r['value'], r['count']]));
  assert.deepEqual(counts, { x: 2, y: 1 });
  assert.match(p.err(), /STATUS 143 0 0 0/);
  assert.equal(code, 0);
});

test('issue 2 case 4: yes | sluice map r | head -n 3 prints three lines, exits 0 fast and quietly', async () => {
  const started = Date.now();
  const r = await sh(`yes '{"a":1}' | sluice map 'r' | head -n 3; echo "STATUS \${PIPESTATUS[*]}" >&2`);
  assert.equal(r.stdout, '{"a":1}\n{"a":1}\n{"a":1}\n');
  assert.match(r.stderr, /^STATUS 141 0 0\n$/);
  assert.ok(Date.now() - started < 5000);
});

test('issue 2 case 5: a malformed line in the middle: fail, skip and dead-letter', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), '{"n":1}\n{"n":2}\n{"n": oops}\n{"n":4}\n');
  const fail = await sh(`sluice source file in.ndjson --format json --on-error fail | sluice sink; echo "STATUS \${PIPESTATUS[*]}" >&2`, { cwd: dir });
  assert.match(fail.stderr, /^sluice source: in\.ndjson:3: invalid JSON: .*\n/);
  assert.match(fail.stderr, /STATUS 1 1/);
  const skip = await sh(`sluice source file in.ndjson --format json --on-error skip | sluice sink`, { cwd: dir });
  assert.equal(skip.code, 0);
  assert.deepEqual(records(skip.stdout), [{ n: 1 }, { n: 2 }, { n: 4 }]);
  assert.match(skip.stderr, /in\.ndjson:3: invalid JSON.*skipped/);
  assert.match(skip.stderr, /1 bad record skipped/);
  const dl = await sh(`cat in.ndjson | sluice map 'r' --on-error dead-letter=bad.txt`, { cwd: dir });
  assert.equal(dl.code, 0);
  assert.deepEqual(records(dl.stdout), [{ n: 1 }, { n: 2 }, { n: 4 }]);
  assert.equal(readFileSync(join(dir, 'bad.txt'), 'utf8'), '{"n": oops}\n');
  assert.match(dl.stderr, /stdin:3: invalid JSON/);
});
