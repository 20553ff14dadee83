#!/usr/bin/env node
// Kafka throughput against kcat (librdkafka) on the same records, as ratios in one run:
//   consume: kcat -C -o beginning -e        vs  sluice source kafka --from earliest --until-end
//   produce: kcat -P -l FILE                 vs  sluice sink kafka < FILE
// Needs a broker: SLUICE_TEST_KAFKA_BROKERS, else one is started (scripts/kafka/broker.mjs).
//
//   npm run build && node bench/kafka.mjs [--records N] [--partitions P] [--runs R]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { startBroker } from '../scripts/kafka/broker.mjs';
import { median } from './lib/measure.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const value = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const records = Number(value('records', 1_000_000));
const partitions = Number(value('partitions', 1));
const runs = Number(value('runs', 3));
const log = (line) => process.stderr.write(`bench kafka: ${line}\n`);
const TARGET = 1.5;

/**
 * Wall seconds and CPU seconds (user+sys of every process of the command):
 * on a loaded machine the wall ratio swings with the load, the CPU ratio much less.
 */
function measure(cmd) {
  const began = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'bash', '-c', `set -o pipefail; ${cmd}`], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = (performance.now() - began) / 1000;
  const [user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { seconds, cpu: user + sys, code: r.status, stderr: r.stderr };
}

if (spawnSync('kcat', ['-V']).status !== 0) throw new Error('kcat is not on PATH (Debian: apt-get install kcat)');

/** Small records, as in issue 14: {"word":"w<k>","n":<i>}. */
function dataFile() {
  const dir = join(repo, 'bench', 'data');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `kafka-${records}.ndjson`);
  if (!existsSync(file)) {
    const lines = [];
    for (let i = 0; i < records; i++) lines.push(`{"word":"w${i % 5000}","n":${i}}`);
    writeFileSync(file, lines.join('\n') + '\n');
  }
  return file;
}

let broker;
let brokers = process.env.SLUICE_TEST_KAFKA_BROKERS;
if (!brokers) {
  broker = await startBroker({ log });
  brokers = broker.brokers;
}
const admin = new kafkajs.Kafka({ clientId: 'sluice-bench', brokers: [brokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
await admin.connect();
const stamp = `${Date.now().toString(36)}`;
let topicNo = 0;
async function newTopic() {
  const topic = `bench-${stamp}-${topicNo++}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  return topic;
}

const file = dataFile();
const sluice = JSON.stringify(join(repo, 'bin', 'sluice'));
const scratch = mkdtempSync(join(tmpdir(), 'sluice-bench-kafka-'));
const countFile = join(scratch, 'count');
const count = () => Number(readFileSync(countFile, 'utf8').trim());

// measure() sends stdout to /dev/null: the counting pipelines run in a subshell.
// Consumers read one topic that kcat filled; producers each write a fresh topic per run.
const source = await newTopic();
if (spawnSync('kcat', ['-b', brokers, '-P', '-t', source, '-l', file]).status !== 0) throw new Error('kcat could not fill the topic');

const jobs = [
  {
    id: 'consume',
    variants: [
      { tool: 'kcat', cmd: () => `(kcat -b ${brokers} -C -t ${source} -o beginning -e -q | wc -l > ${countFile})` },
      {
        tool: 'sluice',
        cmd: () => `(${sluice} source kafka --brokers ${brokers} --topic ${source} --group bench-${Date.now()} --from earliest --until-end --data-only | wc -l > ${countFile})`,
      },
    ],
    check: () => count() === records || `read ${count()} of ${records} records`,
  },
  {
    id: 'produce',
    variants: [
      { tool: 'kcat', cmd: (topic) => `kcat -b ${brokers} -P -t ${topic} -l ${file}` },
      { tool: 'sluice', cmd: (topic) => `${sluice} sink kafka --brokers ${brokers} --topic ${topic} < ${file}` },
    ],
    fresh: true,
    check: async (topic) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      const n = offsets.reduce((sum, p) => sum + Number(p.high), 0);
      return n === records || `wrote ${n} of ${records} records`;
    },
  },
];

log(`${records} records, ${partitions} partition(s), ${runs} runs, brokers ${brokers}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const samples = new Map();
const cpuSamples = new Map();
try {
  for (let run = 1; run <= runs; run++) {
    for (const job of jobs) {
      const order = run % 2 ? job.variants : [...job.variants].reverse();
      for (const v of order) {
        const topic = job.fresh ? await newTopic() : source;
        const r = measure(v.cmd(topic));
        if (r.code !== 0) throw new Error(`${job.id}/${v.tool} failed (exit ${r.code}): ${r.stderr}`);
        const ok = await job.check(topic);
        if (ok !== true) throw new Error(`${job.id}/${v.tool}: ${ok}`);
        const key = `${job.id}/${v.tool}`;
        samples.set(key, [...(samples.get(key) ?? []), r.seconds]);
        cpuSamples.set(key, [...(cpuSamples.get(key) ?? []), r.cpu]);
        log(`run ${run} ${key}: ${r.seconds.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU`);
      }
    }
  }
} finally {
  await admin.disconnect();
  await broker?.stop();
  rmSync(scratch, { recursive: true, force: true });
}

const lines = [`load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; Kafka, ${records} records of ~${Math.round(readFileSync(file).length / records)} bytes, ${partitions} partition(s), median of ${runs}, ${cpus().length} cores:`];
for (const job of jobs) {
  const k = median(samples.get(`${job.id}/kcat`));
  const s = median(samples.get(`${job.id}/sluice`));
  const ratio = s / k;
  const kc = median(cpuSamples.get(`${job.id}/kcat`));
  const sc = median(cpuSamples.get(`${job.id}/sluice`));
  lines.push(
    `  ${job.id.padEnd(8)} wall: kcat ${k.toFixed(2)} s  sluice ${s.toFixed(2)} s  (${Math.round(records / s / 1000)}k/s)  ratio ${ratio.toFixed(2)}x  ${ratio <= TARGET ? 'PASS' : 'MISS'} (target ${TARGET}x)` +
      `   CPU: kcat ${kc.toFixed(2)} s  sluice ${sc.toFixed(2)} s`,
  );
}
console.log(lines.join('\n'));
