import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, sluiceBin, tempDir } from '../helpers/run.js';
import { TmuxPane, shellQuote } from '../helpers/tmux.js';
import { testNeeding } from '../helpers/tools.js';

const dir = tempDir('sluice-ui-');
const input = join(dir, 'numbers.txt');
// ~1.3 MB of lines; read through `pv -L` (rate limit) the job lasts a few seconds.
writeFileSync(input, Array.from({ length: 200_000 }, (_, i) => `line ${i}`).join('\n') + '\n');

const sluice = `node ${shellQuote(sluiceBin)}`;
const BAR = /\[=*>? *\]\s+\d+%\s+[\d.]+ (B|KiB|MiB) \/ [\d.]+ MiB\s+[\d,]+ records\s+\S+ rec\/s\s+.*ETA \d+:\d\d/;

function pane(command: string): TmuxPane {
  return TmuxPane.start(`cd ${shellQuote(dir)}; ${command}; echo "exit=\${PIPESTATUS[*]} DONE"`, { width: 150, height: 12 });
}

testNeeding(['tmux', 'pv'], 'a file source shows a progress bar on a terminal stderr, redrawn in place and erased at the end', {}, async () => {
  const p = pane(`${sluice} source file numbers.txt | pv -qL 1m > out.ndjson`);
  try {
    const screens = await p.screensUntil((s) => s.includes('DONE'), 30_000, 'the end of the job');
    const bars = screens.filter((s) => BAR.test(s));
    assert.ok(bars.length > 0, `no progress bar in:\n${screens.join('\n----\n')}`);
    // Redrawn in place: one bar line per screen, and the percentage moves on.
    for (const s of bars) assert.equal(s.split('\n').filter((l) => BAR.test(l)).length, 1, s);
    const percentages = new Set(bars.map((s) => /(\d+)%/.exec(s)![1]));
    assert.ok(percentages.size >= 2, `the bar did not advance: ${[...percentages].join(', ')}`);
    assert.match(screens[screens.length - 1]!, /exit=0 0 DONE/);
    assert.doesNotMatch(p.scrollback(), /ETA/, 'the bar is erased at the end');
  } finally {
    p.close();
  }
  // stdout carries records only.
  const out = readFileSync(join(dir, 'out.ndjson'), 'utf8');
  assert.doesNotMatch(out, /ETA|\x1b/);
  assert.equal(out.split('\n').filter((l) => l.startsWith('{"value"')).length, 200_000);
});

testNeeding(['pv'], 'no progress bar when stderr is not a terminal, even with --status', {}, async () => {
  const p = pane(`${sluice} source file numbers.txt --status 2> err.txt | pv -qL 3m > /dev/null`);
  try {
    const end = await p.waitFor((s) => s.includes('DONE'), 20_000, 'the end of the job');
    assert.doesNotMatch(p.scrollback(), /ETA|records/);
    assert.match(end, /exit=0 0 DONE/);
  } finally {
    p.close();
  }
  assert.equal(readFileSync(join(dir, 'err.txt'), 'utf8'), '');
  const piped = await sh(`${sluice} source file ${shellQuote(input)} --status | ${sluice} map --status --data-only 'r' | wc -l`);
  assert.equal(piped.code, 0);
  assert.equal(piped.stderr, '');
  assert.equal(piped.stdout.trim(), '200000');
});

testNeeding(['tmux', 'pv'], '--status shows a live line of a stage on a terminal stderr and erases it', {}, async () => {
  const STATUS = /sluice reduce-by-key\s+in \S+\/s\s+out \S+\/s\s+\([\d,]+ \/ [\d,]+\)\s+batches \d+\s+watermark \S+/;
  const p = pane(`${sluice} source rate --per-second 400 --limit 1200 --batch 500ms 2>/dev/null | ${sluice} map '({k: r.value % 7})' | ${sluice} reduce-by-key k --count --status > counts.ndjson`);
  try {
    const live = await p.waitFor((s) => STATUS.test(s) && /batches [1-9]/.test(s), 15_000, 'the status line');
    assert.equal(live.split('\n').filter((l) => STATUS.test(l)).length, 1, live);
    await p.waitFor((s) => s.includes('DONE'), 20_000, 'the end of the job');
    assert.doesNotMatch(p.scrollback(), /sluice reduce-by-key\s+in/, 'the status line is erased at the end');
  } finally {
    p.close();
  }
  const counts = readFileSync(join(dir, 'counts.ndjson'), 'utf8');
  assert.doesNotMatch(counts, /batches|\x1b/);
});
