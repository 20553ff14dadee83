import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { renderBars, valueColumn } from '../../src/connectors/sinks/console-chart.js';
import { sh, sluiceBin, tempDir } from '../helpers/run.js';
import { TmuxPane, shellQuote } from '../helpers/tmux.js';
import { testNeeding } from '../helpers/tools.js';

const sluice = `node ${shellQuote(sluiceBin)}`;
const LINE = 'apple banana apple cherry apple banana date\n';
const WORD_COUNT = `${sluice} source --batch 200ms < words.fifo | ${sluice} map --flat 'r.value.split(" ")' | ${sluice} reduce-by-key value --count --mode complete`;

/** A slow pipe the test writes to line by line, waiting for each line's effect before the next. */
function wordPipe(dir: string): WriteStream {
  execFileSync('mkfifo', [join(dir, 'words.fifo')]);
  // Opening blocks until the pipeline's source opens the other end; Node does it off the main thread.
  return createWriteStream(join(dir, 'words.fifo'));
}

async function until(ok: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('the chart sizes bars by the first aggregate column, largest first', () => {
  const rows = [
    { window: { start: 'a', end: 'b' }, status: 200, count: 7, sum_bytes: 100 },
    { window: { start: 'a', end: 'b' }, status: 404, count: 2, sum_bytes: 900 },
  ];
  // status is numeric too, but it is a key, not an aggregate
  assert.equal(valueColumn(rows), 'count');
  const { lines, keys } = renderBars(rows, 'count', { columns: 40, top: 5, blocks: false });
  assert.equal(keys, 2);
  assert.deepEqual(lines, ['200 7 ' + '#'.repeat(32), '404 2 ' + '#'.repeat(9)]);
  const top1 = renderBars(rows, 'count', { columns: 40, top: 1, blocks: true });
  assert.deepEqual(top1.lines, ['200 7 ' + '█'.repeat(32)]);
});

testNeeding(['tmux', 'mkfifo'], 'sink console --chart redraws one chart in place on a terminal', {}, async () => {
  const dir = tempDir('sluice-chart-');
  const words = wordPipe(dir);
  const p = TmuxPane.start(`cd ${shellQuote(dir)}; ${WORD_COUNT} | ${sluice} sink console --chart --top 3; echo "exit=\${PIPESTATUS[*]} DONE"`, {
    width: 100,
    height: 20,
    env: { LANG: 'C.UTF-8' },
  });
  try {
    const rounds = 6;
    for (let i = 1; i <= rounds; i++) {
      words.write(LINE);
      // The running count of apple after i lines is 3i: wait for that chart.
      const s = await p.waitFor((screen) => new RegExp(`^apple +${3 * i} [█▏▎▍▌▋▊▉]+$`, 'm').test(screen), 20_000, `the chart after line ${i}`);
      // One chart on the screen: the new one replaced the old one.
      assert.equal(s.match(/^Batch \d+/gm)?.length, 1, s);
      const bars = s.split('\n').filter((l) => /^\S+ +\d+ [█▏▎▍▌▋▊▉]+$/.test(l));
      assert.deepEqual(bars.map((l) => l.split(/ +/).slice(0, 2).join(' ')), [`apple ${3 * i}`, `banana ${2 * i}`, `cherry ${i}`], s);
    }
    words.end();
    const end = await p.waitFor((s) => s.includes('DONE'), 20_000, 'the end of the pipeline');
    assert.match(end, /exit=0 0 0 0 DONE/);
    // Many batches, yet nothing scrolled off the top of the pane.
    assert.equal(p.historySize(), 0, p.scrollback());
  } finally {
    words.destroy();
    p.close();
  }
});

testNeeding(['mkfifo'], 'sink console --chart appends plain-text charts when stdout is not a terminal', {}, async () => {
  const dir = tempDir('sluice-chart-');
  const words = wordPipe(dir);
  const chart = join(dir, 'chart.txt');
  const running = sh(`${WORD_COUNT} | ${sluice} sink console --chart --top 2 > chart.txt`, { cwd: dir, timeoutMs: 40_000 });
  const text = () => (existsSync(chart) ? readFileSync(chart, 'utf8') : '');
  for (let i = 1; i <= 3; i++) {
    words.write(LINE);
    await until(() => new RegExp(`^apple +${3 * i} #+$`, 'm').test(text()), `the chart after line ${i}`);
  }
  words.end();
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(text(), /\x1b/, 'no escape sequences in plain text');
  const frames = text().split('\n\n').filter((f) => f.trim() !== '');
  assert.ok(frames.length >= 3, text());
  for (const f of frames) {
    const [header, summary, ...bars] = f.split('\n');
    assert.match(header!, /^Batch \d+  \S+ \.\. \S+$/);
    assert.match(summary!, /top 2 of 4 keys by count$/);
    assert.deepEqual(bars.map((l) => l.split(/ +/)[0]), ['apple', 'banana']);
    for (const l of bars) assert.match(l, /^\S+ +\d+ #+$/);
  }
});
