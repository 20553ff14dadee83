// SIGINT and SIGTERM to each stage of a real pipeline at random moments: the
// signalled stage flushes and exits 130/143, no line is torn, nothing is
// duplicated, and when the source is the one signalled nothing is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';
import { TRIALS, assertDiagnosticsOnly, lines, pidOf, sleep, stageFunction, waitFor } from './harness.js';

const STAGES = ['src', 'map', 'reduce', 'sink'] as const;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const CODE = { SIGINT: 130, SIGTERM: 143 } as const;

/** Data records of an NDJSON file; throws on a torn (unparseable) line. */
function parseAll(path: string): Record<string, unknown>[] {
  return lines(readFileSync(path, 'utf8')).map((l, i) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      throw new Error(`${path}:${i + 1}: torn line ${JSON.stringify(l.slice(0, 100))}`);
    }
  });
}

const totals = { trials: 0, recordsIn: 0, recordsOut: 0, duplicated: 0, lostWhenSourceSignalled: 0 };

test(`SIGINT/SIGTERM to a random stage at a random moment (${TRIALS} trials): 130/143, no torn line, no duplicate`, { timeout: TRIALS * 30_000 }, async () => {
  for (let trial = 0; trial < TRIALS; trial++) {
    const dir = tempDir('sluice-signal-');
    const victim = STAGES[trial % STAGES.length]!;
    const sig = SIGNALS[Math.floor(trial / STAGES.length) % 2]!;
    writeFileSync(join(dir, 'out.ndjson'), '');
    const run = sh(
      `${stageFunction(dir)}; stage src source rate --per-second 20000 --batch 300ms | tee src.ndjson | stage map map '({seq: r.value})' | stage reduce reduce-by-key --collect seq | stage sink sink > out.ndjson; echo "\${PIPESTATUS[*]}" > status`,
      { cwd: dir, timeoutMs: 25_000 },
    );
    const pids = Object.fromEntries(await Promise.all(STAGES.map(async (s) => [s, await pidOf(dir, s)] as const)));
    await waitFor(() => readFileSync(join(dir, 'out.ndjson'), 'utf8').length > 0, 10_000);
    await sleep(Math.random() * 1000);
    process.kill(pids[victim]!, sig);
    const r = await run;
    const what = `trial ${trial}: ${sig} to ${victim}`;
    assert.ok(existsSync(join(dir, 'status')), `${what}: the pipeline did not end (${r.stderr})`);
    const status = readFileSync(join(dir, 'status'), 'utf8').trim().split(' ').map(Number);
    const byStage = { src: status[0], map: status[2], reduce: status[3], sink: status[4] };
    for (const s of STAGES) assert.equal(byStage[s], s === victim ? CODE[sig] : 0, `${what}: exit status of ${s} (all: ${status}; ${r.stderr})`);
    assertDiagnosticsOnly(r.stderr);

    const seqs = parseAll(join(dir, 'out.ndjson')).flatMap((row) => row['collect_seq'] as number[]);
    const unique = new Set(seqs);
    totals.duplicated += seqs.length - unique.size;
    assert.equal(unique.size, seqs.length, `${what}: duplicated records`);
    const sorted = [...seqs].sort((a, b) => a - b);
    sorted.forEach((v, i) => assert.equal(v, i, `${what}: a gap in the output at ${i}`));
    // tee's copy may end in a torn line when tee died of SIGPIPE: it is not sluice output.
    const emitted = lines(readFileSync(join(dir, 'src.ndjson'), 'utf8')).filter((l) => l.endsWith('}') && !l.startsWith('{"__sluice"')).length;
    totals.trials++;
    totals.recordsIn += emitted;
    totals.recordsOut += seqs.length;
    if (victim === 'src') {
      totals.lostWhenSourceSignalled += emitted - seqs.length;
      assert.equal(seqs.length, emitted, `${what}: records the source emitted were lost`);
    }
  }
  console.log(`# signals: ${totals.trials} trials, ${totals.recordsIn} records emitted, ${totals.recordsOut} out, ${totals.duplicated} duplicated, ${totals.lostWhenSourceSignalled} lost when the source was signalled`);
});

test('a second signal ends at once, even while output is blocked', async () => {
  const dir = tempDir('sluice-signal-');
  // `sleep` never reads, so the sink's output fills the pipe and cannot drain.
  const run = sh(`${stageFunction(dir)}; stage src source rate --per-second 200000 | stage sink sink | (echo $BASHPID > reader.pid; exec sleep 60); echo "\${PIPESTATUS[*]}" > status`, {
    cwd: dir,
    timeoutMs: 30_000,
  });
  const sink = await pidOf(dir, 'sink');
  const reader = await pidOf(dir, 'reader');
  // On a loaded machine node takes a while to start: signal only once the handlers are in.
  await waitFor(() => catchesSigint(sink), 20_000);
  await sleep(1500);
  process.kill(sink, 'SIGTERM');
  await sleep(2000);
  assert.ok(isAlive(sink), 'with output still queued, the first signal waits for it to drain');
  const t0 = Date.now();
  process.kill(sink, 'SIGTERM');
  await waitFor(() => !isAlive(sink), 3000);
  const elapsed = Date.now() - t0;
  process.kill(reader, 'SIGTERM');
  await run;
  const status = readFileSync(join(dir, 'status'), 'utf8').trim().split(' ').map(Number);
  assert.equal(status[1], 143);
  assert.ok(elapsed < 1500, `second signal took ${elapsed} ms`);
});

/** Sluice processes among the children of a bash pid. */
function sluiceChildren(parent: number): number[] {
  try {
    return readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** True once a process has installed a SIGINT handler (bit 2 of SigCgt in /proc). */
function catchesSigint(pid: number): boolean {
  try {
    const m = /SigCgt:\s+([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m !== null && (BigInt(`0x${m[1]}`) & 2n) !== 0n;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

// Every stage gets the SIGINT. The source must exit 130; a later stage exits 130 when
// its signal handler runs before the source's end of stream reaches it, and 0 when
// the end of stream wins that race (it has then finished its work cleanly).
test('Ctrl-C (SIGINT to the process group) of a socket-fed pipeline loses nothing the source had read', async () => {
  const N = 5000;
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(Array.from({ length: N }, (_, i) => `${i}\n`).join(''));
    // The connection stays open: a live input that only Ctrl-C ends.
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const dir = tempDir('sluice-ctrlc-');
  writeFileSync(join(dir, 'out.ndjson'), '');
  const bin = `node ${JSON.stringify(join(new URL('../../..', import.meta.url).pathname, 'bin', 'sluice'))}`;
  // A batch of one hour: nothing is emitted before the signal, so everything depends on the flush.
  const child = spawn(
    'bash',
    ['-c', `${bin} source socket 127.0.0.1:${port} --batch 1h | ${bin} map '({seq: +r.value})' | tee -i seen.ndjson | ${bin} reduce-by-key --collect seq --count | ${bin} sink > out.ndjson 2> err.txt; echo "\${PIPESTATUS[*]}" > status`],
    { cwd: dir, detached: true, stdio: 'ignore' },
  );
  const done = new Promise<void>((r) => child.on('close', () => r()));
  // On a loaded machine node can take seconds to start: wait until every stage catches SIGINT.
  await waitFor(() => sluiceChildren(child.pid!).filter(catchesSigint).length === 4, 20_000);
  // The signal must come after the source read everything: a tee (which ignores
  // SIGINT) behind map shows when the last record has passed the first two stages.
  const seenPath = join(dir, 'seen.ndjson');
  await waitFor(() => existsSync(seenPath) && readFileSync(seenPath, 'utf8').includes(`{"seq":${N - 1}}`), 30_000);
  await sleep(300);
  assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), '', 'nothing before the batch closes');
  process.kill(-child.pid!, 'SIGINT');
  await Promise.race([done, sleep(15_000)]);
  server.close();
  const rows = parseAll(join(dir, 'out.ndjson'));
  const seqs = rows.flatMap((r) => r['collect_seq'] as number[]);
  assert.equal(seqs.length, N, `out: ${rows.length} rows; stderr: ${readFileSync(join(dir, 'err.txt'), 'utf8')}; status: ${existsSync(join(dir, 'status')) ? readFileSync(join(dir, 'status'), 'utf8') : 'none'}`);
  assert.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i));
  if (existsSync(join(dir, 'status'))) {
    const status = readFileSync(join(dir, 'status'), 'utf8').trim().split(' ').map(Number);
    assert.equal(status[0], 130, readFileSync(join(dir, 'err.txt'), 'utf8'));
    for (const code of status.slice(1)) assert.ok(code === 130 || code === 0, `statuses ${status.join(' ')}`);
  }
});
