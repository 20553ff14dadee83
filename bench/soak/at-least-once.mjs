#!/usr/bin/env node
// node bench/soak/at-least-once.mjs [--trials N] [--records N] [--batch N]
//
// The duplicate bound of the at-least-once sinks (stdout, console, exec with
// --checkpoint commit after the batch was handed on). For each sink, N trials:
// a checkpointed pipeline over a file of sequence-numbered records, kill -9
// of a random stage at a random moment, then the same command again until it
// exits 0; count what the output holds twice, what it lacks, and torn lines.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reconcile } from './output.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const value = (name, fallback) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : fallback);
const TRIALS = value('trials', 20);
const N = value('records', 20_000);
const BATCH = value('batch', 500);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sluice = `${process.execPath} ${JSON.stringify(join(repo, 'bin', 'sluice'))}`;

const stage = (name, args) => `sh -c 'echo $$ > ${name}.pid; exec "$@"' - ${sluice} ${args}`;
const SOURCE = stage('source', `source file in.ndjson --format json --checkpoint C --max-records-per-batch ${BATCH}`);
const MAP = stage('map', `map '({...r, twice: r.seq * 2})'`);
const SINKS = {
  stdout: `${stage('sink', 'sink --checkpoint C')} >> out.ndjson`,
  // A table per batch; each row is checked by its seq column below.
  console: `${stage('sink', 'sink console --rows 1000000 --checkpoint C')} >> out.txt`,
  exec: stage('sink', `sink exec --checkpoint C -- sh -c 'cat >> out.ndjson'`),
  // stdout into a pipe whose reader is slower than the pipeline (pv is not killed; it writes what it got).
  'stdout | slow reader': `${stage('sink', 'sink --checkpoint C')} | pv -qL 200k >> out.ndjson`,
};
const only = argv.includes('--sinks') ? argv[argv.indexOf('--sinks') + 1].split(',') : Object.keys(SINKS);
// The sink half of the time: a kill between handing a batch on and committing it is what repeats records.
const STAGES = ['sink', 'source', 'sink', 'map'];

function run(dir, command) {
  return new Promise((ok) => {
    const child = spawn('bash', ['-c', `rm -f *.pid; ${command}; echo "\${PIPESTATUS[*]}"`], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const guard = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 120_000);
    child.on('exit', () => {
      clearTimeout(guard);
      ok({ statuses: out.trim().split('\n').at(-1), stderr: err });
    });
  });
}

/**
 * A writer killed in the middle of a line leaves it unfinished; the rerun
 * appends to the same file, so end that line first (it stays a torn line,
 * counted apart; its record is repeated by the rerun when nothing was lost).
 */
function endTornLine(dir) {
  for (const name of ['out.ndjson', 'out.txt']) {
    const path = join(dir, name);
    if (existsSync(path) && !readFileSync(path, 'utf8').endsWith('\n') && readFileSync(path).length > 0) appendFileSync(path, '\n');
  }
}

/** The console sink prints tables; turn each row with a seq into an NDJSON line. */
function consoleRows(dir) {
  const text = existsSync(join(dir, 'out.txt')) ? readFileSync(join(dir, 'out.txt'), 'utf8') : '';
  const rows = [];
  for (const line of text.split('\n')) {
    const cells = line.split(/[│|]/).map((c) => c.trim());
    const seq = cells.find((c) => /^\d+$/.test(c));
    if (seq !== undefined) rows.push(JSON.stringify({ seq: Number(seq), k: 'x', kseq: 0 }));
  }
  writeFileSync(join(dir, 'out.ndjson'), rows.join('\n') + '\n');
}

const input = Array.from({ length: N }, (_, seq) => JSON.stringify({ seq, k: 'k' + (seq % 8), kseq: Math.floor(seq / 8) + 1 })).join('\n') + '\n';
const results = [];
for (const [sink, sinkCommand] of Object.entries(SINKS).filter(([name]) => only.includes(name))) {
  const command = `${SOURCE} | ${MAP} | ${sinkCommand}`;
  const r = { sink, trials: 0, killedMidway: 0, in: 0, out: 0, lost: 0, duplicated: 0, maxDuplicated: 0, torn: 0, failures: [] };
  for (let trial = 0; trial < TRIALS; trial++) {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-alo-'));
    writeFileSync(join(dir, 'in.ndjson'), input);
    const victim = STAGES[trial % STAGES.length];
    const first = run(dir, command);
    await sleep(150 + Math.random() * 1500);
    let pid = 0;
    try {
      pid = Number(readFileSync(join(dir, `${victim}.pid`), 'utf8'));
      process.kill(pid, 'SIGKILL');
    } catch {
      pid = 0; // not started yet, or already done
    }
    const firstEnd = await first;
    if (pid && !firstEnd.statuses.startsWith('0 0 0')) r.killedMidway++;
    let done;
    const ok = () => /^0 0 0( 0)?$/.test(done?.statuses ?? '');
    for (let attempt = 0; attempt < 5 && !ok(); attempt++) {
      endTornLine(dir);
      done = await run(dir, command);
    }
    if (!ok()) r.failures.push(`trial ${trial}: restart ended ${done.statuses}: ${done.stderr.trim().split('\n').at(-1)}`);
    if (sink === 'console') consoleRows(dir);
    const c = reconcile(join(dir, 'out.ndjson'), N);
    r.trials++;
    r.in += N;
    r.out += c.out;
    r.lost += c.lost;
    r.duplicated += c.duplicated;
    r.maxDuplicated = Math.max(r.maxDuplicated, c.duplicated);
    r.torn += c.torn;
    if (c.lost || c.torn) r.failures.push(`trial ${trial} (${victim}): ${c.lost} lost, ${c.torn} torn lines, ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  results.push(r);
  process.stderr.write(`at-least-once: ${JSON.stringify(r)}\n`);
}

const lines = [
  `# at-least-once sinks: kill -9 of a random stage, then restart (${TRIALS} trials each, ${N} records, --max-records-per-batch ${BATCH})`,
  '',
  '| sink | trials | kills that stopped a run | records in | out | lost | duplicated | most duplicated in one trial | torn lines |',
  '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ...results.map((r) => `| ${r.sink} | ${r.trials} | ${r.killedMidway} | ${r.in} | ${r.out} | ${r.lost} | ${r.duplicated} | ${r.maxDuplicated} | ${r.torn} |`),
  '',
  ...results.flatMap((r) => r.failures.map((f) => `- ${r.sink}: ${f}`)),
  '',
];
process.stdout.write(lines.join('\n'));
