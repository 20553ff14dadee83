// Issue 11.4 and 11.8: rows produced at the end of input belong to the
// stream's last batch, so every sink sees, commits and prints them, as a pipe
// of processes and under `sluice run`; a checkpointed rerun over an unchanged
// input emits nothing again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { records, sh, tempDir } from '../helpers/run.js';

/** The same stages as a pipe of processes and as one `sluice run`. */
function both(stages: string[]): [string, string][] {
  return [
    ['pipe', stages.map((s) => `sluice ${s}`).join(' | ')],
    ['run', `sluice run '${stages.join(' | ').replace(/'/g, `'\\''`)}'`],
  ];
}

const SESSIONS = [
  { u: 'a', ts: '2026-01-01T00:00:00Z' },
  { u: 'b', ts: '2026-01-01T00:05:00Z' },
  { u: 'a', ts: '2026-01-01T00:10:00Z' },
  { u: 'a', ts: '2026-01-01T01:00:00Z' },
  { u: 'b', ts: '2026-01-01T02:00:00Z' },
  { u: 'c', ts: '2026-01-01T03:00:00Z' },
  { u: 'c', ts: '2026-01-01T03:15:00Z' },
];

function sessionInput(dir: string): void {
  writeFileSync(join(dir, 'in.ndjson'), SESSIONS.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

test('session windows counted by reduce-by-key (batch mode): every session comes out (11.4)', async () => {
  const dir = tempDir();
  sessionInput(dir);
  for (const [how, cmd] of both(['source file in.ndjson --format json', 'window --session 20m --key u --time-field ts', 'reduce-by-key u --count', 'sink'])) {
    const r = await sh(cmd, { cwd: dir });
    assert.equal(r.code, 0, `${how}: ${r.stderr}`);
    const rows = records(r.stdout).map((x) => [x['u'], (x['window'] as { start: string }).start.slice(11, 16), x['count']]);
    assert.deepEqual(
      rows.sort(),
      [
        ['a', '00:00', 2],
        ['a', '01:00', 1],
        ['b', '00:05', 1],
        ['b', '02:00', 1],
        ['c', '03:00', 2],
      ],
      how,
    );
  }
});

const MINUTES = ['2026-01-01T00:00:10Z', '2026-01-01T00:00:40Z', '2026-01-01T00:01:05Z', '2026-01-01T00:02:30Z', '2026-01-01T00:02:50Z'];

function minuteInput(dir: string): void {
  writeFileSync(join(dir, 'in.ndjson'), MINUTES.map((ts) => JSON.stringify({ ts })).join('\n') + '\n');
}

test('a windowed count into sink console prints its last minute (11.4)', async () => {
  const dir = tempDir();
  minuteInput(dir);
  for (const [how, cmd] of both(['source file in.ndjson --format json', 'window 1m --time-field ts', 'reduce-by-key --count --mode append', 'sink console'])) {
    const r = await sh(cmd, { cwd: dir });
    assert.equal(r.code, 0, `${how}: ${r.stderr}`);
    // One table row per minute (the window cell is cut to the column width).
    assert.equal((r.stdout.match(/^\|\{"start"/gm) ?? []).length, 3, `${how}: ${r.stdout}`);
  }
});

test('a windowed count into sink exec runs the command for its last minute (11.4)', async () => {
  const dir = tempDir();
  minuteInput(dir);
  for (const [how, cmd] of both(['source file in.ndjson --format json', 'window 1m --time-field ts', 'reduce-by-key --count --mode append', 'sink exec -- sh -c "cat >> out.ndjson"'])) {
    writeFileSync(join(dir, 'out.ndjson'), '');
    const r = await sh(cmd, { cwd: dir });
    assert.equal(r.code, 0, `${how}: ${r.stderr}`);
    const rows = records(readFileSync(join(dir, 'out.ndjson'), 'utf8')).map((x) => [(x['window'] as { start: string }).start.slice(11, 19), x['count']]);
    assert.deepEqual(rows, [['00:00:00', 2], ['00:01:00', 1], ['00:02:00', 2]], how);
  }
});

test('a foreign tool upstream: rows flushed at its end reach the console sink (11.4)', async () => {
  const dir = tempDir();
  sessionInput(dir);
  const r = await sh(`cat in.ndjson | sluice window --session 20m --key u --time-field ts | sluice reduce-by-key u --count | sluice sink console`, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  // Behind cat, window and reduce-by-key keep their own clocks and write pure data; the console prints every session.
  assert.equal((r.stdout.match(/^\|\{"start".*\|\s*[abc]\|\s*\d+\|$/gm) ?? []).length, 5, r.stdout);
});

test('sink --checkpoint to stdout: a rerun over an unchanged input appends nothing (11.8)', async () => {
  const dir = tempDir();
  minuteInput(dir);
  const cmd = `sluice source file in.ndjson --format json --checkpoint cp | sluice window 1m --time-field ts --checkpoint cp | sluice reduce-by-key --count --mode append --checkpoint cp | sluice sink --checkpoint cp >> out.ndjson`;
  const first = await sh(cmd, { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const afterFirst = readFileSync(join(dir, 'out.ndjson'), 'utf8');
  assert.deepEqual(records(afterFirst).map((x) => x['count']), [2, 1, 2]);
  const second = await sh(cmd, { cwd: dir });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), afterFirst);
  // Lines appended later: a new minute is counted; a record for a minute already emitted is late (reported, not a second row).
  writeFileSync(join(dir, 'in.ndjson'), [...MINUTES, '2026-01-01T00:02:55Z', '2026-01-01T00:03:30Z'].map((ts) => JSON.stringify({ ts })).join('\n') + '\n');
  const third = await sh(cmd, { cwd: dir });
  assert.equal(third.code, 0, third.stderr);
  assert.deepEqual(records(readFileSync(join(dir, 'out.ndjson'), 'utf8')).map((x) => x['count']), [2, 1, 2, 1]);
  assert.match(third.stderr, /1 late record/);
});
