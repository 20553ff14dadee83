// The soak report as Markdown (printed, and saved in bench/results/).
import { cpus, loadavg } from 'node:os';

const mb = (kb) => (kb / 1024).toFixed(0);
const secs = (ms) => (ms / 1000).toFixed(1);

const GUARANTEE = {
  tcp: 'none across a kill: a socket cannot replay, what is in flight is lost',
  file: 'exactly-once (checkpointed, replayable)',
};

function maxRss(samples, from, to) {
  const inRange = samples.filter((s) => s.at >= from && s.at < to).map((s) => s.rssKb);
  return inRange.length ? mb(Math.max(...inRange)) : '-';
}

export function renderReport({ minutes, rate, faultEvery, seed, started, durationMs, results, faults, pipelines }) {
  const out = [];
  out.push(`# sluice soak: ${minutes} min, ${rate} records/s per pipeline, a fault every ${faultEvery / 1000} s per pipeline`, '');
  out.push(`${new Date(started).toISOString()}, seed ${seed}, ${cpus().length} CPUs, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`, '');
  for (const p of pipelines) out.push(`- ${p.name}: \`${p.stages.map((s) => `sluice ${s.args.join(' ')}`).join(' | ')}\``);
  out.push('');

  out.push('## Records', '');
  out.push('| pipeline | guarantee | in | out | lost | duplicated | out of order per key | restarts | unexpected exits | statuses at the final SIGTERM |');
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|---|');
  for (const [name, r] of Object.entries(results)) {
    out.push(`| ${name} | ${GUARANTEE[name]} | ${r.in} | ${r.out} | ${r.lost} | ${r.duplicated} | ${r.outOfOrder} | ${r.restarts} | ${r.unexpectedExits.length} | ${r.stop.statuses}${r.stop.clean ? '' : ' (killed after 30 s)'} |`);
  }
  const t = results.tcp;
  out.push('');
  out.push(`tcp: ${t.connections} connections; ${t.neverSent} records left unsent at the end; lost records not attributable to a fault: ${t.lostWithoutFault ?? 0}.`);
  for (const [name, r] of Object.entries(results)) {
    if (r.torn || r.unknown || r.late) out.push(`${name}: ${r.torn} unparseable lines, ${r.unknown} unknown sequence numbers, ${r.late} records flagged late.`);
    for (const e of r.unexpectedExits) out.push(`${name}: unexpected exit at ${secs(e.at - started)} s, statuses ${e.statuses}:\n\n    ${e.stderr.split('\n').join('\n    ')}\n`);
  }
  out.push('');

  out.push('## Memory per stage (MB)', '');
  out.push('Peak = the largest VmHWM of any run of the stage; RSS sampled every second from /proc.', '');
  out.push('| pipeline | stage | peak | RSS max, first minute | RSS max, last minute |');
  out.push('|---|---|--:|--:|--:|');
  for (const p of pipelines) {
    for (const [stage, m] of p.memory) {
      out.push(`| ${p.name} | ${stage} | ${mb(m.peakKb)} | ${maxRss(m.samples, 0, 60_000)} | ${maxRss(m.samples, durationMs - 60_000, Infinity)} |`);
    }
  }
  out.push('');

  out.push('## Faults', '');
  out.push('Recovery = from the end of the fault (the kill, SIGCONT, the rotation, the drop) until the output holds a record made after it.', '');
  out.push('| at (s) | pipeline | fault | stage | recovery (s) | records lost |');
  out.push('|--:|---|---|---|--:|--:|');
  for (const f of faults) {
    const recovery = f.recoveredAt === undefined ? 'not seen' : secs(f.recoveredAt - f.endedAt);
    out.push(`| ${secs(f.at - started)} | ${f.pipeline} | ${f.kind} | ${f.stage} | ${recovery} | ${f.lost ?? 0} |`);
  }
  out.push('');
  out.push('| pipeline | fault | count | recovery median (s) | recovery max (s) |');
  out.push('|---|---|--:|--:|--:|');
  const groups = new Map();
  for (const f of faults) groups.set(`${f.pipeline} | ${f.kind}`, [...(groups.get(`${f.pipeline} | ${f.kind}`) ?? []), f]);
  for (const [key, list] of groups) {
    const times = list.filter((f) => f.recoveredAt !== undefined).map((f) => f.recoveredAt - f.endedAt).sort((a, b) => a - b);
    const median = times.length ? secs(times[Math.floor((times.length - 1) / 2)]) : '-';
    out.push(`| ${key} | ${list.length} | ${median} | ${times.length ? secs(times.at(-1)) : '-'} |`);
  }
  out.push('');
  return out.join('\n');
}
