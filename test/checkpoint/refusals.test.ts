import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, rmSync, renameSync, copyFileSync, truncateSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sh, sluiceBin, tempDir } from '../helpers/run.js';
import { background } from '../helpers/background.js';
import { waitFor } from '../robustness/harness.js';
import { committedLength } from './kill.js';

const SMALL = Array.from({ length: 30 }, (_, i) => JSON.stringify({ n: i, k: i % 3 === 0 ? 'a' : 'b' })).join('\n') + '\n';
const PIPE = 'sluice source file in.ndjson --format json --checkpoint C --max-records-per-batch 4 | sluice reduce-by-key k --count --mode update --checkpoint C | sluice sink file out.ndjson --checkpoint C';

test('a second process on the same checkpoint stage is refused while the first runs', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), SMALL);
  // The first sink waits on a FIFO-less stdin that never ends: it holds C/sink.
  const first = spawn(process.execPath, [sluiceBin, 'sink', 'file', 'a.ndjson', '--checkpoint', 'C'], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
  try {
    for (let i = 0; i < 100 && !readdirSafe(join(dir, 'C', 'sink')).includes('LOCK'); i++) await new Promise((r) => setTimeout(r, 50));
    const second = await sh(`sluice source file in.ndjson --format json | sluice sink file b.ndjson --checkpoint C; echo "status \${PIPESTATUS[1]}"`, { cwd: dir });
    assert.match(second.stderr, new RegExp(`sluice sink: checkpoint C/sink is in use by process ${first.pid}`));
    assert.match(second.stdout, /status 1/);
  } finally {
    first.kill('SIGKILL');
  }
});

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

test('a corrupt or foreign checkpoint file is a clear error, never a fresh start', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), SMALL);
  const ok = await sh(PIPE, { cwd: dir });
  assert.equal(ok.code, 0, ok.stderr);
  const out = readFileSync(join(dir, 'out.ndjson'), 'utf8');
  const commits = readdirSync(join(dir, 'C', 'sink')).filter((f) => f.startsWith('commit-')).sort((a, b) => parseInt(a.slice(7)) - parseInt(b.slice(7)));
  const last = join(dir, 'C', 'sink', commits[commits.length - 1]!);
  const text = readFileSync(last, 'utf8');

  writeFileSync(last, text.slice(0, 50));
  let r = await sh(PIPE, { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /sluice source: C\/sink\/commit-\d+\.json: corrupt checkpoint: not valid JSON/);

  writeFileSync(last, JSON.stringify({ batch: 3, offsets: {} }));
  r = await sh(PIPE, { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not a sluice checkpoint file/);

  writeFileSync(last, text.replace('"batch":', '"batch":1'));
  r = await sh(PIPE, { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /checksum mismatch/);
  assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), out, 'the output was not touched');

  // A state file from another stage is named as such.
  writeFileSync(last, text);
  const states = readdirSync(join(dir, 'C', 'reduce-by-key')).filter((f) => f.startsWith('state-'));
  for (const f of states) writeFileSync(join(dir, 'C', 'reduce-by-key', f), readFileSync(last, 'utf8'));
  r = await sh(PIPE, { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /sluice reduce-by-key: .*belongs to stage 'sink'/);
});

test('the source input replaced or truncated since the last commit is a clear error', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), SMALL);
  assert.equal((await sh(PIPE, { cwd: dir })).code, 0);
  copyFileSync(join(dir, 'in.ndjson'), join(dir, 'copy'));
  renameSync(join(dir, 'copy'), join(dir, 'in.ndjson'));
  let r = await sh(PIPE, { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /sluice source: in\.ndjson is another file than the one read before .*remove C to read everything again/);
  rmSync(join(dir, 'C'), { recursive: true });
  assert.equal((await sh(PIPE, { cwd: dir })).code, 0);
  truncateSync(join(dir, 'in.ndjson'), 10);
  r = await sh(PIPE, { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /in\.ndjson is shorter \(10 bytes\) than the committed position/);
});

test('a source without --checkpoint in front of a checkpointed sink is refused', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), SMALL);
  assert.equal((await sh(PIPE, { cwd: dir })).code, 0);
  const r = await sh('sluice source file in.ndjson --format json | sluice sink file out.ndjson --checkpoint C', { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the sink committed batch \d+, but the source started from the beginning; give the source the same --checkpoint DIR/);
});

test('a checkpoint whose commits hold only other inputs is refused, not read from the start behind the committed output', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), SMALL);
  writeFileSync(join(dir, 'other.ndjson'), SMALL.replaceAll('"n"', '"m"'));
  assert.equal((await sh(PIPE, { cwd: dir })).code, 0);
  const out = readFileSync(join(dir, 'out.ndjson'), 'utf8');
  const r = await sh(PIPE.replace('in.ndjson', 'other.ndjson'), { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /sluice source: checkpoint C: the sink's last commit \(batch \d+\) holds the positions of \/.*\/in\.ndjson, none of this source's input; .*remove C to start over/);
  assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), out, 'the output was not touched');
  // A file read before under another name (moved: same device and inode) is still its input.
  renameSync(join(dir, 'in.ndjson'), join(dir, 'moved.ndjson'));
  const moved = await sh(PIPE.replace('in.ndjson', 'moved.ndjson'), { cwd: dir });
  assert.equal(moved.code, 0, moved.stderr);
  assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), out);
});

test('source dir: a checkpoint made for another directory (the directory moved) is refused', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'in'));
  writeFileSync(join(dir, 'in', 'a.txt'), 'x\ny\n');
  const command = (from: string) => `sluice source dir ${from} --checkpoint C --batch 100ms | sluice sink file out.ndjson --checkpoint C`;
  const first = background(command('in'), { cwd: dir, timeoutMs: 30_000 });
  await waitFor(() => committedLength(join(dir, 'C', 'sink')) === '{"value":"x"}\n{"value":"y"}\n'.length, 20_000);
  first.signal('SIGTERM');
  await first.done;
  renameSync(join(dir, 'in'), join(dir, 'moved'));
  const r = await sh(command('moved'), { cwd: dir, timeoutMs: 20_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /sluice source: checkpoint C: .* holds the positions of dir:\/.*\/in, none of this source's input/);
  assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), '{"value":"x"}\n{"value":"y"}\n');
});
