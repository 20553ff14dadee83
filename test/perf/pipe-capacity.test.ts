import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';
import { testNeeding } from '../helpers/tools.js';

// A stage whose stdin pipe fills its read buffer asks for a 1 MiB pipe
// (src/engine/pipe-capacity.ts). The writer's side of the same pipe reports
// its capacity: perl polls F_GETPIPE_SZ after the data is written, for up to
// 20 s, so a slow machine waits rather than fails.

const F_GETPIPE_SZ = 1032;
const pollCapacity = `perl -e 'for (1..200) { $n = fcntl(STDOUT, ${F_GETPIPE_SZ}, 0); last if $n >= 1048576; select(undef, undef, undef, 0.1) } print STDERR "capacity $n\\n"'`;

function bigInput(dir: string): string {
  const file = join(dir, 'in.ndjson');
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) lines.push(JSON.stringify({ ts: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), user: `u${i % 97}`, n: i }));
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const capacityOf = (stderr: string) => Number(/capacity (\d+)/.exec(stderr)?.[1]);

testNeeding(['perl'], 'a stage reading a pipe that fills its reads widens the pipe to 1 MiB, whatever the command', {}, async () => {
  const dir = tempDir('sluice-pipe-');
  const file = bigInput(dir);
  for (const stage of ['sink', `filter 'r.n >= 0'`, 'window 1m --time-field ts', `run 'map r | sink'`]) {
    const r = await sh(`{ cat ${file}; ${pollCapacity}; } | sluice ${stage} | wc -l`, { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(capacityOf(r.stderr), 1048576, `${stage}: ${r.stderr}`);
    assert.equal(Number(r.stdout.trim()) >= 20_000, true, `${stage}: ${r.stdout}`);
  }
});

testNeeding(['perl'], 'without perl the pipe keeps its size and the stage its output', {}, async () => {
  const dir = tempDir('sluice-pipe-');
  const file = bigInput(dir);
  const bin = join(dir, 'bin');
  const tools = join(dir, 'tools');
  await sh(`mkdir ${bin} ${tools} && for t in node bash cat head wc; do ln -s "$(command -v $t)" ${bin}/$t; done`);
  symlinkSync((await sh('command -v perl')).stdout.trim(), join(tools, 'perl'));
  // The writer's perl is called by its full path; the stage finds none on PATH.
  const r = await sh(`{ cat ${file}; ${pollCapacity.replace('perl', join(tools, 'perl')).replace('for (1..200)', 'for (1..20)')}; } | sluice sink | wc -l`, {
    env: { PATH: bin },
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(capacityOf(r.stderr), 65536, r.stderr);
  assert.equal(r.stdout.trim(), '20000');
});
