// Machine description and the Markdown results table.
import { execSync } from 'node:child_process';
import { cpus, loadavg, totalmem, release } from 'node:os';

function version(cmd) {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0];
  } catch {
    return 'unknown';
  }
}

export function machine(peers, repo) {
  return {
    date: new Date().toISOString(),
    load: loadavg().map((l) => l.toFixed(1)).join(' '),
    cpu: `${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: release(),
    node: process.version,
    sluice: `${version(`node ${repo}/bin/sluice --version`)} (git ${version(`git -C ${repo} rev-parse --short HEAD`)})`,
    jq: version('jq --version'),
    mlr: version('mlr --version'),
    mawk: version('mawk -W version 2>&1'),
    'ndjson-cli': version(`node -p "require('${peers}/../ndjson-cli/package.json').version"`),
    sort: version('sort --version'),
    pyspark: version(`${repo}/bench/.peers/spark-venv/bin/python -c "import pyspark; print('pyspark', pyspark.__version__)"`),
  };
}

const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

export function renderReport({ info, runs, jobs, medians, targetRows, latency }) {
  const out = [];
  out.push(`Date: ${info.date}  `, `Machine: ${info.cpu}, ${info.memory}, Linux ${info.kernel}  `);
  out.push(`Versions: node ${info.node}, sluice ${info.sluice}, ${info.jq}, ${info.mlr}, ${info.mawk}, ndjson-cli ${info['ndjson-cli']}, ${info.sort}, ${info.pyspark}  `);
  out.push(`Load average (1/5/15 min) at the end: ${info.load}; at the start: ${info.loadAtStart}. The machine is shared: a load above 2 inflates every time, ratios less so because variants alternate.  `);
  out.push(`Runs per variant: ${runs} (alternating); medians shown.`, '');
  out.push('| job | tool | median s | peak RSS MB | vs sluice |', '|---|---|---:|---:|---:|');
  for (const job of jobs.filter((j) => !j.curve)) {
    const base = medians.get(`${job.id}/${job.variants[0].tool}`);
    for (const v of job.variants) {
      const m = medians.get(`${job.id}/${v.tool}`);
      const ratio = v === job.variants[0] ? '1.00x' : `${fmt(m.seconds / base.seconds)}x`;
      out.push(`| ${job.id} | ${v.tool.replace(/\|/g, '\\|')} | ${fmt(m.seconds)} | ${fmt(m.rssMB, 0)} | ${ratio} |`);
    }
  }
  out.push('', '"vs sluice" is the tool\'s time divided by the first tool of the job (above 1: the first is faster).', '');
  for (const job of jobs.filter((j) => j.curve)) {
    out.push(`Curve: ${job.title}`, '', '| point | median s | peak RSS MB | gives |', '|---|---:|---:|---|');
    const base = { ...medians.get(`${job.id}/${job.variants[0].tool}`), ...job.variants[0] };
    for (const v of job.variants) {
      const m = medians.get(`${job.id}/${v.tool}`);
      out.push(`| ${v.tool} | ${fmt(m.seconds)} | ${fmt(m.rssMB, 0)} | ${job.curve.metric(m.seconds, m.rssMB, v, base)} |`);
    }
    out.push('');
  }
  out.push('| target | measured | result |', '|---|---|---|');
  for (const t of targetRows) out.push(`| ${t.id}. ${t.text} | ${t.value} | ${t.pass ? 'PASS' : 'MISS'} |`);
  if (latency) {
    for (const l of latency) {
      out.push(`| 6. ${l.label}: p99 batch latency <= 100 ms over ${l.batches} batches | p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms | ${l.pass === undefined ? 'info' : l.pass ? 'PASS' : 'MISS'} |`);
    }
  }
  return out.join('\n') + '\n';
}
