import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commands } from '../../src/commands/index.js';
import { repoRoot, sh } from '../helpers/run.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

// Issue 13.2: -h, --help, `sluice help CMD` and -V/--version work everywhere, as in every CLI people know.
test('-h, --help and sluice help CMD print the same help, exit 0, for sluice and every command', async () => {
  const top = await sh('sluice --help');
  assert.equal(top.code, 0, top.stderr);
  assert.match(top.stdout, /^sluice <command> \[options\]/);
  for (const words of ['sluice -h', 'sluice help']) {
    const r = await sh(`${words} < /dev/null`);
    assert.equal(r.code, 0, `${words}: ${r.stderr}`);
    assert.equal(r.stdout, top.stdout, words);
  }
  await Promise.all(
    commands.map(async (c) => {
      // No positional arguments on purpose: `sluice map -h` must not ask for <expr> first.
      const long = await sh(`sluice ${c.name} --help < /dev/null`);
      assert.equal(long.code, 0, `${c.name} --help: ${long.stderr}`);
      assert.ok(long.stdout.startsWith(`sluice ${c.name} `), long.stdout);
      for (const words of [`sluice ${c.name} -h`, `sluice help ${c.name}`]) {
        const r = await sh(`${words} < /dev/null`);
        assert.equal(r.code, 0, `${words}: ${r.stderr}`);
        assert.equal(r.stderr, '', words);
        assert.equal(r.stdout, long.stdout, words);
      }
    }),
  );
});

test('-V and --version print the version, before or after a command', async () => {
  for (const words of ['sluice --version', 'sluice -V', 'sluice map -V', 'sluice source --version']) {
    const r = await sh(`${words} < /dev/null`);
    assert.equal(r.code, 0, `${words}: ${r.stderr}`);
    assert.equal(r.stdout, `${version}\n`, words);
  }
});

test('sluice --help ends with the exit statuses and NO_COLOR', async () => {
  const r = await sh('sluice --help');
  const text = r.stdout.replace(/\s+/g, ' ');
  assert.match(text, /Exit status: 0 success.*1 runtime or data error, 2 usage error, 130\/143/);
  assert.match(text, /NO_COLOR=1 turns it off/);
});
