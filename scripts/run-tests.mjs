#!/usr/bin/env node
// Runs the compiled test files with node's built-in test runner.
// Usage: node scripts/run-tests.mjs [--tier fast] [substring-filter...]
//
// Tiers: `npm test` runs everything (what CI runs). `npm run test:fast` (--tier
// fast) runs the files under FAST below: unit, property, golden and the
// differential test with a small budget; under two minutes on a quiet machine.
// Everything that kills, waits on timers, drives a terminal, installs or needs
// Kafka is in the full tier only.
//
// If a selected file is under dist/test/kafka/, a real Kafka broker is started
// first (scripts/kafka/broker.mjs) and announced in SLUICE_TEST_KAFKA_BROKERS.
// Without java/mvn the Kafka tests skip loudly, except under CI=true where the
// run fails. After a run with a broker, .cache/kafka/last-run.json records it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { startBroker } from './kafka/broker.mjs';

const MARKER = '.cache/kafka/last-run.json';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

function banner(message) {
  const line = '!'.repeat(Math.min(100, message.length + 8));
  console.error(`\n${line}\n!!! ${message}\n${line}\n`);
}

/** Directories and files (under dist/test/) of the fast tier. */
const FAST = [
  'engine/',
  'window/',
  'perf/',
  'golden/',
  'run/',
  'docs/',
  'model/',
  'differential/',
  'structure/',
  'numerics/',
  'ui/usage-errors',
  'ui/environment',
  'connectors/murmur2',
];

const args = process.argv.slice(2);
const tierAt = args.indexOf('--tier');
const tier = tierAt >= 0 ? args.splice(tierAt, 2)[1] : 'full';
if (tier !== 'full' && tier !== 'fast') {
  console.error(`run-tests: --tier must be fast or full, not ${tier}`);
  process.exit(2);
}
const filters = args;
const inTier = (f) => tier === 'full' || FAST.some((p) => f.split(sep).join('/').startsWith(`dist/test/${p}`));
// A compiled test whose source was deleted stays in dist/ (tsc removes nothing): not run.
const hasSource = (f) => existsSync(f.replace(/^dist[\\/]/, '').replace(/\.js$/, '.ts'));
const files = findTests('dist/test').filter((f) => hasSource(f) && inTier(f) && (filters.length === 0 || filters.some((s) => f.includes(s))));
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}

const env = { ...process.env };
// The differential test's budget (generated cases): small in the fast tier, larger in the full one.
env.SLUICE_DIFF_CASES ??= tier === 'fast' ? '12' : '60';
env.SLUICE_DIFF_FAULTS ??= tier === 'fast' ? '3' : '30';
let broker;
let interrupted = false;
let testProcess;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    interrupted = true;
    testProcess?.kill(sig);
    await broker?.stop();
    process.exit(130);
  });
}

const needsKafka = files.some((f) => f.split(sep).join('/').includes('dist/test/kafka/'));
if (needsKafka && env.SLUICE_TEST_KAFKA_BROKERS) {
  console.error(`run-tests: using the Kafka broker at ${env.SLUICE_TEST_KAFKA_BROKERS} from the environment`);
} else if (needsKafka) {
  rmSync(MARKER, { force: true });
  try {
    broker = await startBroker({ log: (m) => console.error(`run-tests: ${m}`) });
    env.SLUICE_TEST_KAFKA_BROKERS = broker.brokers;
    env.SLUICE_TEST_KAFKA_SECURITY = JSON.stringify(broker.security);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (process.env.CI === 'true') {
      banner(`KAFKA BROKER FAILED TO START (CI=true, so the run fails): ${reason.split('\n')[0]}`);
      if (reason.includes('\n')) console.error(reason);
      process.exit(1);
    }
    banner(`KAFKA TESTS SKIPPED: ${reason.split('\n')[0]}`);
    if (reason.includes('\n')) console.error(reason);
  }
}

let exitCode = 1;
try {
  testProcess = spawn(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
  exitCode = await new Promise((res) => {
    testProcess.on('error', () => res(1));
    testProcess.on('exit', (code) => res(code ?? 1));
  });
} finally {
  if (broker && !interrupted) {
    await broker.stop();
    mkdirSync('.cache/kafka', { recursive: true });
    writeFileSync(MARKER, JSON.stringify({ ran: true, brokers: broker.brokers, date: new Date().toISOString(), exitCode }, null, 2) + '\n');
  }
}
if (!interrupted) process.exitCode = exitCode;
