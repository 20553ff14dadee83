import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

// Issue 13.13: a run over a bounded file is diffable. Its batch is stamped with
// the file's modification time, not the wall clock, so the `window` of
// per-batch rows is the same on every run over an unchanged file.

const STAMP = new Date('2026-01-01T00:00:07.250Z');
const WINDOW = '{"start":"2026-01-01T00:00:07.000Z","end":"2026-01-01T00:00:08.000Z"}';

function input(): string {
  const dir = tempDir();
  const words = join(dir, 'w.txt');
  writeFileSync(words, 'a b a\nc\n');
  utimesSync(words, STAMP, STAMP);
  const records = join(dir, 'r.ndjson');
  writeFileSync(records, '{"k":"x"}\n{"k":"y"}\n{"k":"x"}\n');
  utimesSync(records, STAMP, STAMP);
  return dir;
}

test('a bounded file is stamped with its modification time: source file, < file, and sluice run give the same window every run', async () => {
  const cwd = input();
  const commands = [
    `sluice source file w.txt | sluice map --flat 'r.value.split(" ")' | sluice reduce-by-key value --count | sluice sink`,
    `sluice run 'source file w.txt | map --flat "r.value.split(\\" \\")" | reduce-by-key value --count'`,
  ];
  for (const command of commands) {
    const first = await sh(command, { cwd });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(
      first.stdout,
      [`{"window":${WINDOW},"value":"a","count":2}`, `{"window":${WINDOW},"value":"b","count":1}`, `{"window":${WINDOW},"value":"c","count":1}`, ''].join('\n'),
      command,
    );
  }
  const redirected = await sh(`sluice reduce-by-key k --count < r.ndjson`, { cwd });
  assert.equal(redirected.code, 0, redirected.stderr);
  assert.equal(redirected.stdout, `{"window":${WINDOW},"k":"x","count":2}\n{"window":${WINDOW},"k":"y","count":1}\n`);
});

test('a file changed between runs gets the new time', async () => {
  const cwd = input();
  const later = new Date('2026-01-01T00:01:00.000Z');
  utimesSync(join(cwd, 'r.ndjson'), later, later);
  const r = await sh(`sluice source file r.ndjson --format json | sluice reduce-by-key k --count | sluice sink`, { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\{"window":\{"start":"2026-01-01T00:01:00\.000Z","end":"2026-01-01T00:01:01\.000Z"\},"k":"x","count":2\}\n/);
});
