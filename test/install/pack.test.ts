import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { commands } from '../../src/commands/index.js';
import { records, repoRoot, sh, tempDir } from '../helpers/run.js';
import { shellQuote } from '../helpers/tmux.js';
import { testNeeding } from '../helpers/tools.js';

interface PackageJson {
  version: string;
  bin: Record<string, string>;
  man: string[];
  files: string[];
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;

test('package.json lists a man page for every command and builds dist/ when packed from a checkout', () => {
  const pages = readdirSync(join(repoRoot, 'man')).filter((f) => f.endsWith('.1'));
  const expected = ['sluice.1', ...commands.map((c) => `sluice-${c.name}.1`)];
  for (const page of expected) assert.ok(pages.includes(page), `man/${page} missing: run npm run docs`);
  // npm links man pages only from the "man" list (directories.man is not used by npm 7+).
  assert.deepEqual([...pkg.man].sort(), expected.map((p) => `./man/${p}`).sort(), 'package.json "man" must list exactly man/sluice*.1');
  // A tarball packed from a fresh checkout must contain the compiled and bundled CLI.
  const prepare = pkg.scripts['prepare'] === 'npm run build' ? pkg.scripts['build'] : pkg.scripts['prepare'];
  assert.match(prepare ?? '', /\btsc\b.*scripts\/bundle\.mjs/);
  assert.equal(pkg.bin['sluice'], 'bin/sluice');
});

testNeeding(['man'], 'npm pack + npm install -g puts sluice on PATH and its man pages where man finds them', { timeout: 240_000 }, async () => {
  const dir = tempDir('sluice-pack-');
  // The suite runs after `npm run build`, so dist/ is current; running prepare
  // here would rebuild a tree other processes may be reading.
  const pack = await sh(`npm pack --ignore-scripts --json --pack-destination ${shellQuote(dir)}`, { cwd: repoRoot, timeoutMs: 120_000 });
  assert.equal(pack.code, 0, pack.stderr);
  const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const files = packed!.files.map((f) => f.path);
  for (const f of ['bin/sluice', 'dist/bundle/sluice.cjs', 'dist/bundle/kafkajs.cjs', 'dist/bundle/parallel-worker.js', 'dist/locales/de.json', 'dist/src/cli.js', 'package.json', 'README.md', ...pkg.man.map((m) => m.replace(/^\.\//, ''))]) {
    assert.ok(files.includes(f), `${f} is not in the tarball`);
  }
  assert.ok(!files.some((f) => f.startsWith('dist/test/') || f.startsWith('src/') || f.startsWith('test/')), 'tests or sources in the tarball');

  const prefix = join(dir, 'prefix');
  const install = await sh(
    `npm install -g --prefix ${shellQuote(prefix)} --prefer-offline --no-audit --no-fund --omit=dev ${shellQuote(join(dir, packed!.filename))}`,
    { cwd: dir, timeoutMs: 180_000 },
  );
  assert.equal(install.code, 0, install.stderr);
  // devDependencies are not installed, and sluice runs without them.
  const installed = join(prefix, 'lib', 'node_modules', 'sluice');
  assert.ok(!existsSync(join(installed, 'node_modules', 'typescript')), 'typescript was installed with the package');

  // A clean environment: nothing from the repository can be picked up.
  const env = { PATH: `${join(prefix, 'bin')}:/usr/local/bin:/usr/bin:/bin`, HOME: dir, NODE_PATH: '' };
  const run = (command: string) =>
    sh(`unset -f sluice; cd ${shellQuote(dir)}; ${command}`, { env, timeoutMs: 30_000 });

  const version = await run('command -v sluice && sluice --version');
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout, `${join(prefix, 'bin', 'sluice')}\n${pkg.version}\n`);

  const count = await run(`printf 'to be or not to be\\n' | sluice source | sluice map --flat 'r.value.split(" ")' | sluice reduce-by-key value --count | sluice sink`);
  assert.equal(count.code, 0, count.stderr);
  const counts = new Map(records(count.stdout).map((r) => [r['value'], r['count']]));
  assert.deepEqual(Object.fromEntries(counts), { to: 2, be: 2, or: 1, not: 1 });

  for (const c of commands) assert.ok(existsSync(join(prefix, 'share', 'man', 'man1', `sluice-${c.name}.1`)), `man page of ${c.name} not installed`);
  const man = await run(`MANWIDTH=80 man -M ${shellQuote(join(prefix, 'share', 'man'))} -P cat sluice-map`);
  assert.equal(man.code, 0, man.stderr);
  assert.match(man.stdout, /SLUICE-MAP\(1\)/);
  assert.match(man.stdout, /--flat/);
  // With the prefix's bin on PATH, man finds the pages without -M (man-db derives the manpath from PATH).
  for (const page of ['sluice', 'sluice-window']) {
    const where = await run(`man -w ${page}`);
    assert.equal(where.code, 0, `man ${page}: ${where.stderr}`);
    // man -w prints the page's real path: the installed package behind the share/man link.
    assert.ok(where.stdout.startsWith(prefix), where.stdout);
  }
});
