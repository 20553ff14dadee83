// Bench set-up: makes sure the peers are installed and the data exists.
// Debian tools come from apt-get (only when missing and we may install);
// ndjson-cli goes into bench/.peers, never into the project's dependencies.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

export function ensureData(benchDir, log) {
  const gen = join(benchDir, 'gen.mjs');
  const data = join(benchDir, 'data');
  if (['corpus.txt', 'words.ndjson', 'keys.ndjson'].every((f) => existsSync(join(data, f)))) return data;
  log('generating data into bench/data (once)');
  execFileSync(process.execPath, [gen], { stdio: 'inherit' });
  return data;
}
