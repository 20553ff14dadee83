#!/usr/bin/env node
// npm run soak -- [--minutes N] [--rate R] [--fault-every S] [--seed X] [--keep]
//
// Two pipelines on this machine only (127.0.0.1), each fed at a fixed rate:
//   tcp:  client -> source socket --listen | window 10s | sink file (append)
//   file: writer -> app.log -> source file --follow --checkpoint | window (event time) --checkpoint | sink file --checkpoint
// Every S seconds (default 60) each pipeline gets a random fault, the file
// pipeline half a period after the tcp one: kill -9 of a stage then a restart
// of the pipeline with the same command, SIGSTOP of a stage for 10 s, a
// dropped connection (tcp) or a rotation of app.log (file). At the end the
// inputs stop, the pipelines drain and stop on SIGTERM, and input and output
// are reconciled. Report: stdout and bench/results/soak-latest.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileWriter, tcpGenerator } from './feeders.mjs';
import { OutputWatcher, reconcile } from './output.mjs';
import { Pipeline } from './pipeline.mjs';
import { renderReport } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const argv = process.argv.slice(2);
const value = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const minutes = Number(value('minutes', 10));
const rate = Number(value('rate', 200));
const faultEvery = Number(value('fault-every', 60)) * 1000;
const seed = Number(value('seed', Date.now() % 100000));
const STOP_MS = 10_000;
const log = (line) => process.stderr.write(`soak: ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let state = seed || 1;
const rng = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = (list) => list[Math.floor(rng() * list.length)];

const freePort = () =>
  new Promise((ok) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });

const dir = mkdtempSync(join(tmpdir(), 'sluice-soak-'));
const port = await freePort();
const sluiceBin = join(repo, 'bin', 'sluice');
const durationMs = minutes * 60_000;
log(`${minutes} min at ${rate} records/s per pipeline, a fault every ${faultEvery / 1000} s, seed ${seed}, in ${dir}`);

const tcp = new Pipeline({
  name: 'tcp',
  dir,
  sluiceBin,
  stages: [
    { name: 'source', args: ['source', 'socket', '--listen', port, '--format', 'json'] },
    { name: 'window', args: ['window', '10s'] },
    { name: 'sink', args: ['sink', 'file', 'tcp-out.ndjson'] },
  ],
});
const file = new Pipeline({
  name: 'file',
  dir,
  sluiceBin,
  stages: [
    { name: 'source', args: ['source', 'file', 'app.log', '--follow', '--format', 'json', '--checkpoint', 'C'] },
    { name: 'window', args: ['window', '10s', '--time-field', 't', '--time-unit', 'ms', '--late', 'emit', '--checkpoint', 'C'] },
    { name: 'sink', args: ['sink', 'file', 'file-out.ndjson', '--checkpoint', 'C'] },
  ],
});

// A hard bound on the whole run, whatever happens; also Ctrl-C.
function abort(why) {
  log(`${why}: killing everything`);
  for (const p of [tcp, file]) {
    try {
      process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  process.exit(2);
}
const guard = setTimeout(() => abort('time bound exceeded'), durationMs + 240_000);
process.on('SIGINT', () => abort('interrupted'));

const started = Date.now();
const writer = fileWriter({ path: join(dir, 'app.log'), perSecond: rate, rng });
tcp.start();
file.start();
const client = tcpGenerator({ port, perSecond: rate, rng });
const watchers = { tcp: new OutputWatcher(join(dir, 'tcp-out.ndjson')), file: new OutputWatcher(join(dir, 'file-out.ndjson')) };

const faults = [];
const poller = setInterval(() => {
  watchers.tcp.poll();
  watchers.file.poll();
  const now = Date.now();
  for (const f of faults) {
    if (f.recoveredAt === undefined && f.endedAt !== undefined && watchers[f.pipeline].newestMadeAt >= f.endedAt) f.recoveredAt = now;
  }
}, 100);
const sampler = setInterval(() => {
  const now = Date.now() - started;
  tcp.sampleMemory(now);
  file.sampleMemory(now);
}, 1000);

/** One fault on `pipeline`; endedAt is when the pipeline could start catching up. */
async function inject(pipeline, kinds) {
  const kind = pick(kinds);
  const stage = kind === 'kill' || kind === 'stop' ? pick(pipeline.stages).name : '';
  const f = { pipeline: pipeline.name, kind, stage, at: Date.now() };
  faults.push(f);
  log(`${((f.at - started) / 1000).toFixed(0)} s: ${pipeline.name}: ${kind} ${stage}`);
  if (kind === 'kill') {
    f.endedAt = f.at;
    await pipeline.killAndRestart(stage);
  } else if (kind === 'stop') {
    await pipeline.pause(stage, STOP_MS);
    f.endedAt = Date.now();
  } else if (kind === 'drop') {
    client.drop();
    f.endedAt = Date.now();
  } else {
    writer.rotate();
    f.endedAt = Date.now();
  }
}

async function faultLoop(pipeline, kinds, offset) {
  for (let at = offset; at <= durationMs - 20_000; at += faultEvery) {
    await sleep(started + at - Date.now());
    await inject(pipeline, kinds);
  }
}
await Promise.all([faultLoop(tcp, ['kill', 'stop', 'drop'], faultEvery), faultLoop(file, ['kill', 'stop', 'rotate'], faultEvery / 2)]);
await sleep(started + durationMs - Date.now());

// End: stop the inputs, let the pipelines drain, stop them, reconcile.
log('stopping the inputs');
const neverSent = await client.finish();
writer.finish();
const drainUntil = Date.now() + 60_000;
while (Date.now() < drainUntil && (watchers.tcp.newestSeq < client.sent - 1 || watchers.file.newestSeq < writer.written - 1)) await sleep(250);
await sleep(3000); // what is still on its way towards the sinks
const stops = { tcp: await tcp.stop(), file: await file.stop() };
for (const t of [poller, sampler, guard]) clearInterval(t);

const results = {};
for (const [p, made, madeAt] of [
  [tcp, client.sent, client.madeAt],
  [file, writer.written, writer.madeAt],
]) {
  const r = reconcile(join(dir, `${p.name}-out.ndjson`), made);
  // A lost record is put down to the fault nearest to when it was made (in
  // flight at a kill: just before it; sent to a stage that was dying: just after).
  const own = faults.filter((f) => f.pipeline === p.name);
  for (const seq of r.lostSeqs) {
    const distance = (f) => Math.abs(f.at - madeAt[seq]);
    const f = own.reduce((best, x) => (best === undefined || distance(x) < distance(best) ? x : best), undefined);
    if (f && distance(f) < 15_000) f.lost = (f.lost ?? 0) + 1;
    else r.lostWithoutFault = (r.lostWithoutFault ?? 0) + 1;
  }
  r.lostMadeAt = r.lostSeqs.map((seq) => [seq, madeAt[seq] - started]);
  results[p.name] = { ...r, restarts: p.restarts, unexpectedExits: p.unexpectedExits, stop: stops[p.name], memory: p.memory };
}
results.tcp.neverSent = neverSent;
results.tcp.connections = client.connections;

const report = renderReport({ minutes, rate, faultEvery, seed, started, durationMs, results, faults, pipelines: [tcp, file] });
process.stdout.write(report);
mkdirSync(join(here, '..', 'results'), { recursive: true });
writeFileSync(join(here, '..', 'results', 'soak-latest.md'), report);
writeFileSync(join(here, '..', 'results', 'soak-latest.json'), JSON.stringify({ minutes, rate, seed, faults, results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { ...v, lostSeqs: undefined, memory: Object.fromEntries(v.memory) }])) }, null, 1));
if (argv.includes('--keep')) log(`work directory kept: ${dir}`);
else rmSync(dir, { recursive: true, force: true });
const f = results.file;
process.exitCode = f.lost === 0 && f.duplicated === 0 && f.unexpectedExits.length === 0 && results.tcp.duplicated === 0 ? 0 : 1;
