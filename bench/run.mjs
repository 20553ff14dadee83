#!/usr/bin/env node
// npm run bench [-- --runs N] [--only job,job|curves] [--full] [--no-latency] [--no-spark]
// Sets up peers and data, runs every job with sluice and its peers alternately,
// prints medians, ratios, the curves and PASS/MISS per target of issues 5 and 12, and writes
// bench/results/latest.md and latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineJobs, targets, targets12 } from './lib/jobs.mjs';
import { measureLatency } from './lib/latency.mjs';
import { measure, median } from './lib/measure.mjs';
import { machine, renderReport } from './lib/report.mjs';
import { ensureData, ensurePeers, ensureSpark } from './lib/setup.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repo = resolve(benchDir, '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const value = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const runs = Number(value('runs', process.env.SLUICE_BENCH_RUNS ?? 3));
const only = value('only', undefined)?.split(',');
const full = flag('full');
const log = (line) => process.stderr.write(`bench: ${line}\n`);

const peers = ensurePeers(benchDir, log);
const data = ensureData(benchDir, log);
// As users run it (the bin on PATH): through its launcher line (docs/ARCHITECTURE.md, NODE_EXTRA_CA_CERTS).
const sluice = JSON.stringify(join(repo, 'bin', 'sluice'));
const wants = (id) => !only || only.includes(id) || (id.startsWith('curve-') && only.includes('curves'));
const sparkPython = wants('window') && !flag('no-spark') ? ensureSpark(benchDir, log) : undefined;
const jobs = defineJobs({ sluice, peers, data, benchDir, sparkPython }).filter((j) => wants(j.id));

const loadAtStart = (await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ');
const samples = new Map();
for (let run = 1; run <= runs; run++) {
  for (const job of jobs) {
    // Alternate the order too, so no tool always runs right after the same one.
    const order = run % 2 ? job.variants : [...job.variants].reverse();
    for (const v of order) {
      const key = `${job.id}/${v.tool}`;
      let r = await measure(v.cmd, { cwd: repo });
      if (r.code !== 0) {
        // A failed run is not a time: say so, and try once more.
        log(`${key} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}; retrying`);
        r = await measure(v.cmd, { cwd: repo });
        if (r.code !== 0) {
          log(`${key} failed again (exit ${r.code}); this sample is left out`);
          r = { ...r, seconds: NaN, rssMB: NaN };
        }
      }
      if (!samples.has(key)) samples.set(key, []);
      samples.get(key).push(r);
      log(`run ${run}/${runs} ${key}: ${r.seconds.toFixed(2)} s, ${r.rssMB.toFixed(0)} MB`);
    }
  }
}

const medians = new Map();
for (const [key, rs] of samples) medians.set(key, { seconds: median(rs.map((r) => r.seconds)), rssMB: median(rs.map((r) => r.rssMB)) });
const m = (job, tool) => medians.get(`${job}/${tool}`) ?? { seconds: NaN, rssMB: NaN };
const targetRows = [];
for (const t of [...targets, ...targets12]) {
  try {
    const r = t.check(m);
    if (Number.isNaN(parseFloat(r.value.replace(/^max /, '')))) continue; // job not run
    targetRows.push({ id: t.id, text: t.text, ...r });
  } catch {
    /* job not selected */
  }
}

let latency;
if (!flag('no-latency') && (!only || only.includes('latency'))) {
  const batches = Number(value('batches', full ? 100 : 20));
  const splitWords = `map --flat 'r.value.split(" ")'`;
  latency = [];
  for (const [label, pipeline, isTarget] of [
    ['netcat word count, 4-process pipe', (addr) => `${sluice} source socket ${addr} --batch 1s | ${sluice} ${splitWords} | ${sluice} reduce-by-key value --count | ${sluice} sink`, true],
    ['netcat word count, sluice run', (addr) => `${sluice} run '${`source socket ${addr} --batch 1s | ${splitWords} | reduce-by-key value --count | sink`.replace(/'/g, `'\\''`)}'`, false],
  ]) {
    log(`latency: ${label}, ${batches} batches`);
    try {
      const l = await measureLatency({ pipeline, batches });
      latency.push({ label, ...l, pass: isTarget ? l.p99 <= 100 : undefined });
    } catch (err) {
      log(err.message);
      latency.push({ label, batches: 0, p50: NaN, p99: NaN, max: NaN, pass: isTarget ? false : undefined });
    }
  }
}

const report = renderReport({ info: { ...machine(peers, repo), loadAtStart }, runs, jobs, medians, targetRows, latency });
process.stdout.write('\n' + report);
mkdirSync(join(benchDir, 'results'), { recursive: true });
writeFileSync(join(benchDir, 'results', 'latest.md'), report);
writeFileSync(join(benchDir, 'results', 'latest.json'), JSON.stringify({ samples: Object.fromEntries(samples), latency }, null, 2) + '\n');
log('wrote bench/results/latest.md');
