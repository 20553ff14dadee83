import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

// A checkpointed stage whose input ends before its first line (the stage before
// it died before writing anything) must not commit a batch of its own clock:
// that batch has no source positions behind it, and its saved state would
// claim a batch the source never made.

function stateFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      if (name.isDirectory()) walk(join(d, name.name));
      else if (!name.name.endsWith('.lock') && name.name !== 'LOCK') out.push(join(d, name.name));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

test('--checkpoint over an input that ends before its first line: exit 1, a clear message, nothing committed', async () => {
  const cwd = tempDir();
  for (const stage of ['reduce-by-key --count', 'window 1m --time-field ts', 'sink file out.ndjson']) {
    const r = await sh(`printf '' | sluice ${stage} --checkpoint C`, { cwd });
    assert.equal(r.code, 1, stage);
    assert.match(r.stderr, /input ended before its first line: with --checkpoint nothing is committed/, stage);
  }
  assert.deepEqual(stateFiles(join(cwd, 'C')).filter((f) => /state|commit|batch/.test(f)), []);
});

test('without --checkpoint an empty input is still an empty result with exit 0', async () => {
  const r = await sh(`printf '' | sluice reduce-by-key --count`, { cwd: tempDir() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
});
