// Issue 11.7: a file is known by what it is (device, inode, resolved path), not
// by how the command line names it: a rerun under another name resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => JSON.stringify({ n: from + i })).join('\n') + '\n';

const run = (dir: string, name: string) => sh(`sluice source file ${name} --format json --checkpoint C | sluice sink file out.ndjson --checkpoint C`, { cwd: dir });

test('the same file named another way on each rerun (relative, ./, absolute, a symlink) resumes instead of replaying', async () => {
  const dir = tempDir('sluice-identity-');
  symlinkSync(join(dir, 'in.ndjson'), join(dir, 'link.ndjson'));
  writeFileSync(join(dir, 'in.ndjson'), lines(0, 100));
  const names = ['in.ndjson', './in.ndjson', join(dir, 'in.ndjson'), 'link.ndjson', '../' + dir.split('/').at(-1) + '/in.ndjson'];
  for (const [i, name] of names.entries()) {
    if (i > 0) appendFileSync(join(dir, 'in.ndjson'), lines(i * 100, i * 100 + 100));
    const r = await run(dir, name);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', `run ${i} as ${name}`);
  }
  assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), lines(0, names.length * 100));
});

test('a renamed file (same device and inode) resumes, saying under which name it was read before', async () => {
  const dir = tempDir('sluice-identity-');
  writeFileSync(join(dir, 'in.ndjson'), lines(0, 50));
  assert.equal((await run(dir, 'in.ndjson')).code, 0);
  renameSync(join(dir, 'in.ndjson'), join(dir, 'renamed.ndjson'));
  appendFileSync(join(dir, 'renamed.ndjson'), lines(50, 80));
  const r = await run(dir, 'renamed.ndjson');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^sluice source: renamed\.ndjson is the file read before as \/.*\/in\.ndjson \(same device and inode\): continuing at byte \d+\n$/);
  assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), lines(0, 80));
});

test('with --checkpoint one file named twice is a usage error', async () => {
  const dir = tempDir('sluice-identity-');
  writeFileSync(join(dir, 'in.ndjson'), lines(0, 5));
  const r = await sh('sluice source file in.ndjson ./in.ndjson --checkpoint C', { cwd: dir });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /in\.ndjson and \.\/in\.ndjson are the same file; with --checkpoint each file may be named once/);
});
