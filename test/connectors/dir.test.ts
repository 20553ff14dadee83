import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { globToRegExp, isIgnoredName } from '../../src/connectors/sources/dir-files.js';
import { tempDir } from '../helpers/run.js';
import { expected, got, lines, pipeline } from '../helpers/connectors.js';

test('issue 4 case 4: every file moved into the directory is counted exactly once', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'incoming'));
  writeFileSync(join(dir, 'incoming', '1'), '1.1\n');
  writeFileSync(join(dir, 'incoming', '.hidden'), 'never\n');
  writeFileSync(join(dir, 'incoming', '_SUCCESS'), 'never\n');
  const r = await pipeline(dir, `for n in 2 3 4 5 6 7 8; do mk $n $n; sleep 0.15; done; echo never > incoming/x.tmp`);
  assert.match(r.stdout, /rc=130/, lines(dir, 'err.txt').join('\n'));
  const all = got(dir);
  assert.deepEqual([...all].sort(), expected([1, 2, 3, 4, 5, 6, 7, 8]).sort());
  // In order of arrival: each file's lines together, files in the order moved in.
  assert.deepEqual(all, expected([1, 2, 3, 4, 5, 6, 7, 8]));
  assert.equal(lines(dir, 'counts.txt').reduce((a, b) => a + Number(b), 0), all.length);
});

test('source dir --new-only skips the files already there; --pattern selects names', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'incoming'));
  writeFileSync(join(dir, 'incoming', '1'), '1.1\n');
  const r = await pipeline(dir, `mk 2 2; echo 3.1 > staged/3; mv staged/3 incoming/3.skip`, "--new-only --pattern '[0-9]'");
  assert.match(r.stdout, /rc=130/, lines(dir, 'err.txt').join('\n'));
  assert.deepEqual(got(dir), expected([2]), dir);
});

test('dir names: hidden, _ and .tmp files are ignored; globs', () => {
  assert.equal(isIgnoredName('.part'), true);
  assert.equal(isIgnoredName('_SUCCESS'), true);
  assert.equal(isIgnoredName('x.tmp'), true);
  assert.equal(isIgnoredName('x.log'), false);
  assert.equal(globToRegExp('*.log').test('a.log'), true);
  assert.equal(globToRegExp('*.log').test('a.log.1'), false);
  assert.equal(globToRegExp('a?[0-9].txt').test('ab7.txt'), true);
  assert.equal(globToRegExp('[!a]*').test('abc'), false);
  assert.equal(globToRegExp('a+b(c).txt').test('a+b(c).txt'), true);
});
