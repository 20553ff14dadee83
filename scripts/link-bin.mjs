#!/usr/bin/env node
// Puts the `sluice` command of this checkout on PATH, offline, as root or as a user:
// - npm's global prefix writable (root, or a user who set a prefix): `npm link`,
//   which also links the man pages;
// - otherwise: a symlink in ~/.local/bin, the per-user bin directory that
//   Debian's and Ubuntu's ~/.profile put on PATH.
// Then says where `sluice` is, or what to add to PATH when that directory is not on it.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, mkdirSync, readlinkSync, realpathSync, symlinkSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'bin', 'sluice');

/** npm itself: the one running this script under `npm run`, else the one on PATH. */
function npm(args) {
  const cli = process.env.npm_execpath;
  const r = cli ? spawnSync(process.execPath, [cli, ...args], { cwd: repo, encoding: 'utf8' }) : spawnSync('npm', args, { cwd: repo, encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() };
}

/** True when `dir` exists and is writable, or can be created (its nearest existing ancestor is writable). */
function writable(dir) {
  let at = dir;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  try {
    accessSync(at, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function isOurs(path) {
  try {
    return realpathSync(path) === realpathSync(bin);
  } catch {
    return false;
  }
}

/** The directory on PATH where `sluice` resolves to this checkout, if any. */
function onPath() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isOurs(join(dir, 'sluice'))) return dir;
  }
  return undefined;
}

function linkWithNpm(prefix) {
  const linked = npm(['link', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund']);
  if (!linked.ok) return `npm link failed: ${linked.err.split('\n').pop()}`;
  const dir = join(prefix, 'bin');
  return isOurs(join(dir, 'sluice')) ? { dir } : `npm link did not create ${join(dir, 'sluice')}`;
}

function linkInHome() {
  const dir = join(homedir(), '.local', 'bin');
  const link = join(dir, 'sluice');
  mkdirSync(dir, { recursive: true });
  let existing;
  try {
    existing = lstatSync(link);
  } catch {
    /* none */
  }
  if (existing) {
    if (!existing.isSymbolicLink() || !/sluice$/.test(readlinkSync(link))) return `${link} exists and is not a link to a sluice checkout; remove it and rerun`;
    unlinkSync(link);
  }
  symlinkSync(bin, link);
  return { dir };
}

const prefix = process.env.npm_config_global_prefix || npm(['prefix', '-g']).out;
const result = prefix && writable(join(prefix, 'bin')) && writable(join(prefix, 'lib')) ? linkWithNpm(prefix) : linkInHome();
if (typeof result === 'string') {
  console.error(`link-bin: ${result}`);
  console.error(`link-bin: you can still run ${bin} directly`);
  process.exitCode = 1;
} else if (onPath() === result.dir) {
  console.error(`sluice is on PATH: ${join(result.dir, 'sluice')}`);
} else {
  console.error(`sluice is installed as ${join(result.dir, 'sluice')}, but ${result.dir} is not on PATH. Add it:`);
  console.error(`  echo 'export PATH="${result.dir}:$PATH"' >> ~/.bashrc   # then open a new shell`);
}
