import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, sluiceBin, tempDir } from '../helpers/run.js';

/** Data lines of a source's NDJSON output, control records left out. */
function values(ndjson: string): string[] {
  return ndjson
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('{"__sluice":'))
    .map((l) => (JSON.parse(l) as { value: string }).value);
}

/** Runs `sluice source file app.log --follow` in the background while `writer` (bash) runs, then SIGINTs it. */
async function follow(writer: string, dir: string, create = true) {
  if (create) writeFileSync(join(dir, 'app.log'), '');
  const r = await sh(
    `(exec node ${JSON.stringify(sluiceBin)} source file app.log --follow --batch 200ms --poll 100ms > out.ndjson 2> err.txt) & P=$!
     # Running (and app.log open) once the first batch boundary passed.
     for i in $(seq 150); do grep -q '"type":"batch"' out.ndjson 2>/dev/null && break; sleep 0.1; done
     w() { for i in $(seq $1 $2); do echo "line $i" >> app.log; if (( i % 50 == 0 )); then sleep 0.02; fi; done; }
     ${writer}
     sleep 0.8; kill -INT $P; wait $P; echo "rc=$?"`,
    { cwd: dir, timeoutMs: 30_000 },
  );
  const out = readFileSync(join(dir, 'out.ndjson'), 'utf8');
  return { rc: r.stdout.trim(), out, err: readFileSync(join(dir, 'err.txt'), 'utf8'), lines: values(out) };
}

const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

test('issue 4 case 5: a followed file rotated twice (rename + recreate): every line once, in order', async () => {
  const dir = tempDir();
  const r = await follow(
    `w 1 300; mv app.log app.log.1; w 301 600; sleep 0.5; mv app.log.1 app.log.2; mv app.log app.log.1; w 601 900`,
    dir,
  );
  assert.equal(r.rc, 'rc=130', r.err);
  assert.deepEqual(r.lines, numbered(1, 900));
  assert.match(r.out, /"type":"batch"/);
  assert.match(r.out, /"bounded":false/);
  assert.match(r.out.trimEnd(), /\{"__sluice":\{"v":2,"type":"eos","token":"[0-9a-f]{32}"\}\}$/);
});

test('a followed file: a line is held until its newline arrives; truncation reads again from 0', async () => {
  const dir = tempDir();
  const r = await follow(
    `w 1 100; printf 'spl' >> app.log; sleep 0.4; printf 'it\\n' >> app.log; sleep 0.4
     : > app.log; w 101 200; sleep 0.4
     : > app.log; echo 'x' >> app.log; sleep 0.4
     printf 'no newline yet' >> app.log`,
    dir,
  );
  assert.equal(r.rc, 'rc=130', r.err);
  assert.deepEqual(r.lines, [...numbered(1, 100), 'split', ...numbered(101, 200), 'x']);
  assert.match(r.err, /truncated/);
});

test('a followed file that does not exist yet is waited for', async () => {
  const dir = tempDir();
  const r = await follow(`sleep 0.4; w 1 10`, dir, false);
  assert.equal(r.rc, 'rc=130', r.err);
  assert.deepEqual(r.lines, numbered(1, 10));
});
