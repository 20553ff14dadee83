// Issue 13.3: `--`, `-` and non-seekable inputs for `source file`. Standard
// input, pipes, FIFOs, <(cmd) and /dev/stdin are read as streams (no
// positions); --checkpoint or --follow on one of them is a usage error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

function setUp(): string {
  const dir = tempDir('sluice-file-streams-');
  writeFileSync(join(dir, 'words.txt'), 'w1\nw2\n');
  writeFileSync(join(dir, '-weird.txt'), 'weird\n');
  return dir;
}

const values = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { value: string }).value);

test('source file -- -weird.txt reads the file named -weird.txt', async () => {
  const r = await sh('sluice source file --data-only -- -weird.txt', { cwd: setUp() });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(values(r.stdout), ['weird']);
});

test('source file words.txt - reads words.txt, then standard input, as cat does', async () => {
  const r = await sh('printf "s1\\ns2\\n" | sluice source file --data-only words.txt -', { cwd: setUp() });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(values(r.stdout), ['w1', 'w2', 's1', 's2']);
});

test('<(cmd), a FIFO and /dev/stdin are read as streams', async () => {
  const dir = setUp();
  const sub = await sh('sluice source file --data-only <(printf "a\\nb\\n") words.txt', { cwd: dir });
  assert.equal(sub.code, 0, sub.stderr);
  assert.deepEqual(values(sub.stdout), ['a', 'b', 'w1', 'w2']);
  const fifo = await sh('mkfifo ff; (printf "f1\\nf2" > ff &); sluice source file --data-only ff', { cwd: dir });
  assert.equal(fifo.code, 0, fifo.stderr);
  assert.deepEqual(values(fifo.stdout), ['f1', 'f2']);
  const devStdin = await sh('printf "x\\ny\\n" | sluice source file --data-only /dev/stdin', { cwd: dir });
  assert.equal(devStdin.code, 0, devStdin.stderr);
  assert.deepEqual(values(devStdin.stdout), ['x', 'y']);
});

test('--checkpoint or --follow on a stream, or a directory named as a file, is a usage error naming it', async () => {
  const dir = setUp();
  const cases: [string, RegExp][] = [
    ['sluice source file <(echo a) --checkpoint C', /^sluice source: \/dev\/fd\/\d+ is a pipe, which cannot be read again: no position can be kept for it, so --checkpoint cannot resume it/],
    ['echo a | sluice source file words.txt - --checkpoint C', /^sluice source: - is standard input, which cannot be read again/],
    ['echo a | sluice source file - --follow', /^sluice source: --follow: - is standard input; --follow needs regular files/],
    ['sluice source file .', /^sluice source: \. is a directory; read the files of a directory with source dir/],
  ];
  for (const [command, message] of cases) {
    const r = await sh(command, { cwd: dir });
    assert.equal(r.code, 2, `${command}: ${r.stderr}`);
    assert.match(r.stderr, message, command);
  }
});
