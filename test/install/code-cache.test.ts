import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from '../helpers/run.js';

// bin/load-bundle.cjs compiles dist/bundle/sluice.cjs with a V8 code cache
// kept next to it and named after the bundle's size and modification time
// (V8 itself checks only the source's length). A copy of the installed
// layout: bin/, dist/bundle/, package.json, and the dependencies.

function install(): string {
  const dir = tempDir('sluice-cache-');
  cpSync(join(repoRoot, 'bin'), join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
  for (const f of ['sluice.cjs', 'parallel-worker.js']) cpSync(join(repoRoot, 'dist', 'bundle', f), join(dir, 'dist', 'bundle', f));
  cpSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const run = (dir: string) => execFileSync(process.execPath, [join(dir, 'bin', 'sluice'), 'filter', 'r.a > 1'], { input: '{"a":1}\n{"a":2}\n', encoding: 'utf8' });
const caches = (dir: string) => readdirSync(join(dir, 'dist', 'bundle')).filter((f) => f.endsWith('.cache'));

test('the first run writes a code cache named after the bundle, later runs use it, and a changed bundle gets its own', () => {
  const dir = install();
  const bundle = join(dir, 'dist', 'bundle', 'sluice.cjs');
  assert.deepEqual(caches(dir), []);
  assert.equal(run(dir), '{"a":2}\n');
  const stat = statSync(bundle);
  const first = `sluice.cjs.${stat.size}-${Math.round(stat.mtimeMs)}.cache`;
  assert.deepEqual(caches(dir), [first]);
  const written = statSync(join(dir, 'dist', 'bundle', first)).mtimeMs;
  // Accepted, so not written again.
  assert.equal(run(dir), '{"a":2}\n');
  assert.equal(statSync(join(dir, 'dist', 'bundle', first)).mtimeMs, written);
  // The same length, another time: the old cache is not taken for it.
  utimesSync(bundle, new Date(), new Date(Date.now() + 5000));
  assert.equal(run(dir), '{"a":2}\n');
  assert.equal(caches(dir).length, 2);
  assert.ok(caches(dir).includes(`sluice.cjs.${stat.size}-${Math.round(statSync(bundle).mtimeMs)}.cache`));
});
