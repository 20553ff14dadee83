// Bench set-up: makes sure the peers are installed and the data exists.
// Debian tools come from apt-get (only when missing and we may install);
// ndjson-cli goes into bench/.peers, never into the project's dependencies.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const DEBIAN = [
  { bin: 'jq', pkg: 'jq' },
  { bin: 'mlr', pkg: 'miller' },
  { bin: 'mawk', pkg: 'mawk' },
];

export function onPath(bin) {
  return spawnSync('bash', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

export function ensurePeers(benchDir, log) {
  const missing = DEBIAN.filter((t) => !onPath(t.bin));
  if (missing.length > 0) {
    const pkgs = missing.map((t) => t.pkg);
    log(`installing ${pkgs.join(', ')} with apt-get`);
    const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
    execFileSync(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), 'install', '-y', ...pkgs], { stdio: 'inherit' });
  }
  const peers = join(benchDir, '.peers');
  if (!existsSync(join(peers, 'node_modules', '.bin', 'ndjson-reduce'))) {
    log('installing ndjson-cli into bench/.peers');
    execFileSync('npm', ['install', '--prefix', peers, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'ndjson-cli@0.3.1'], { stdio: 'inherit' });
  }
  return join(peers, 'node_modules', '.bin');
}

export const DATA_FILES = ['corpus.txt', 'words.ndjson', 'keys.ndjson', 'logs.ndjson', 'prose.txt', 'width-100.ndjson', 'width-1k.ndjson', 'width-10k.ndjson'];

export function ensureData(benchDir, log) {
  const gen = join(benchDir, 'gen.mjs');
  // SLUICE_BENCH_DATA and SLUICE_BENCH_SCALE: smaller data elsewhere, for a quick run while developing.
  const data = process.env.SLUICE_BENCH_DATA ?? join(benchDir, 'data');
  if (!DATA_FILES.every((f) => existsSync(join(data, f)))) {
    log(`generating data into ${data} (once)`);
    execFileSync(process.execPath, [gen, '--scale', process.env.SLUICE_BENCH_SCALE ?? '1'], { stdio: 'inherit', env: { ...process.env, SLUICE_BENCH_DATA: data } });
  }
  // Spark's file source reads a directory.
  const sparkIn = join(data, 'spark-in');
  if (!existsSync(join(sparkIn, 'logs.json'))) {
    mkdirSync(sparkIn, { recursive: true });
    symlinkSync(join(data, 'logs.ndjson'), join(sparkIn, 'logs.json'));
  }
  return data;
}

/**
 * pyspark from PyPI in a venv under bench/.peers (git-ignored), for the window
 * job's Spark Structured Streaming peer. Needs python3 and Java 17+. Returns
 * the venv's python, or undefined (with a loud line) when it cannot be set up.
 */
export function ensureSpark(benchDir, log) {
  const venv = join(benchDir, '.peers', 'spark-venv');
  const python = join(venv, 'bin', 'python');
  const ready = () => spawnSync(python, ['-c', 'import pyspark'], { stdio: 'ignore' }).status === 0;
  if (existsSync(python) && ready()) return python;
  if (!onPath('java')) {
    log('!!! no java on PATH: the Spark peer is left out (install openjdk-17-jre-headless)');
    return undefined;
  }
  log('installing pyspark into bench/.peers/spark-venv (once, about 400 MB)');
  try {
    if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(join(venv, 'bin', 'pip'), ['install', '-q', 'pyspark>=3.5,<5'], { stdio: 'inherit' });
  } catch (err) {
    log(`!!! pyspark could not be installed (${err.message}): the Spark peer is left out`);
    return undefined;
  }
  return ready() ? python : undefined;
}
