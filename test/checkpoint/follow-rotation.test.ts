// Issue 11.13: a checkpointed `source file --follow` restarted after a rotation
// (rename + new file) first finishes the rotated file, found by its inode among
// the files of the directory, then continues with the new one; a rotated file
// that is gone is reported with the bytes never read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/run.js';
import { background } from '../helpers/background.js';
import { waitFor } from '../robustness/harness.js';
import { committedLength, runPipeline } from './kill.js';

const TOTAL = 18_000;
const ROTATE_EVERY = 3_000;
const COMMAND = 'sluice source file app.log --follow --poll 50ms --batch 200ms --checkpoint C | sluice sink file out.ndjson --checkpoint C';

const outValues = (dir: string) =>
  existsSync(join(dir, 'out.ndjson'))
    ? readFileSync(join(dir, 'out.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { value: string }).value)
    : [];

/** A separate process writing `line i` in bursts, renaming app.log to app.log.N every ROTATE_EVERY lines; touches `done` at the end. */
function startWriter(dir: string): Promise<void> {
  const script = `
    const fs = require('fs');
    let i = 0, n = 0;
    fs.writeFileSync('app.log', '');
    const tick = () => {
      let burst = '';
      for (let k = 0; k < 100 && i < ${TOTAL}; k++, i++) burst += 'line ' + i + '\\n';
      fs.appendFileSync('app.log', burst);
      if (i % ${ROTATE_EVERY} === 0) { fs.renameSync('app.log', 'app.log.' + (++n)); fs.writeFileSync('app.log', ''); }
      if (i < ${TOTAL}) setTimeout(tick, 100); else fs.writeFileSync('done', '');
    };
    tick();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: dir, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
  });
}

test(`a writer rotating by rename every ${ROTATE_EVERY} lines while the pipeline is killed -9 and restarted: every line comes out once, in order`, { timeout: 180_000 }, async (t) => {
  const dir = tempDir('sluice-rotation-');
  const writer = startWriter(dir);
  await waitFor(() => existsSync(join(dir, 'app.log')), 10_000);
  // The first run commits before it is killed: a pipeline that never committed has no position, and starts at the current file as tail -F would.
  const first = background(COMMAND, { cwd: dir, timeoutMs: 60_000 });
  await waitFor(() => existsSync(join(dir, 'C', 'sink')) && readdirSync(join(dir, 'C', 'sink')).some((f) => f.startsWith('commit-')), 30_000);
  first.signal('SIGKILL');
  await first.done;
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let runs = 0;
  let killed = 0;
  while (!existsSync(join(dir, 'done'))) {
    runs++;
    const r = await runPipeline(COMMAND, dir, 800 + rnd() * 2500);
    if (r.killed) killed++;
    else assert.fail(`run ${runs} ended by itself: ${r.code} ${r.stderr}`);
  }
  await writer;
  const last = background(COMMAND, { cwd: dir, timeoutMs: 60_000 });
  const outBytes = Array.from({ length: TOTAL }, (_, i) => `{"value":"line ${i}"}\n`.length).reduce((a, b) => a + b, 0);
  await waitFor(() => committedLength(join(dir, 'C', 'sink')) >= outBytes, 50_000).catch(() => undefined);
  last.signal('SIGTERM');
  const r = await last.done;
  const got = outValues(dir);
  const expected = Array.from({ length: TOTAL }, (_, i) => `line ${i}`);
  const seen = new Set(got);
  const lost = expected.filter((v) => !seen.has(v)).length;
  t.diagnostic(`${TOTAL} lines written, ${TOTAL / ROTATE_EVERY} rotations, ${runs} runs killed (${killed}), ${got.length} out, ${got.length - seen.size} duplicated, ${lost} lost`);
  assert.equal(lost, 0, `lines lost (${dir}): ${r.stderr}`);
  assert.deepEqual(got, expected, dir);
});

test('restarted after a rotation whose file is gone: the loss is reported with the bytes never read', async () => {
  const dir = tempDir('sluice-rotation-');
  writeFileSync(join(dir, 'app.log'), 'a1\na2\n');
  const first = background(COMMAND, { cwd: dir, timeoutMs: 30_000 });
  await waitFor(() => outValues(dir).length === 2, 20_000);
  // Wait for the commit of those lines, then stop.
  await new Promise((r) => setTimeout(r, 600));
  first.signal('SIGTERM');
  await first.done;
  appendFileSync(join(dir, 'app.log'), 'a3 never read\n');
  renameSync(join(dir, 'app.log'), join(dir, 'app.log.1'));
  // The new file is created before the old one is removed, so it cannot reuse the old inode.
  writeFileSync(join(dir, 'app.log'), 'b1\n');
  rmSync(join(dir, 'app.log.1'));
  const second = background(COMMAND, { cwd: dir, timeoutMs: 30_000 });
  await waitFor(() => outValues(dir).length === 3, 20_000);
  second.signal('SIGTERM');
  const r = await second.done;
  assert.deepEqual(outValues(dir), ['a1', 'a2', 'b1']);
  assert.match(r.stderr, /sluice source: app\.log: the file it named before \(inode \d+\) was rotated away and is no longer in \.: anything written to it after byte 6 was never read/);
});
