// One live area on a terminal shared by all stages of a pipeline (issue 13.7):
// every stage's --status line in one block at the bottom, drawn by one
// process, cleared before a table is printed and redrawn after it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sluiceBin, tempDir } from '../helpers/run.js';
import { TmuxPane, shellQuote } from '../helpers/tmux.js';
import { testNeeding } from '../helpers/tools.js';

const sluice = `node ${shellQuote(sluiceBin)}`;
const STAGES = ['sluice source', 'sluice map', 'sluice reduce-by-key'];
const STATUS = /^sluice (source|map|reduce-by-key)\s+in \S+\/s\s+out \S+\/s/;

/** Lines of a screen that are status lines, and whether any status text sits elsewhere than at a line's start. */
function statusLines(screen: string): { lines: string[]; stray: string[] } {
  const lines = screen.split('\n');
  return {
    lines: lines.filter((l) => STATUS.test(l)),
    stray: lines.filter((l) => !STATUS.test(l) && /\bin \S+\/s\s+out /.test(l)),
  };
}

/** Table lines that are not whole: a row or rule cut, or run into other text. */
function tornTableLines(screen: string): string[] {
  return screen.split('\n').filter((l) => (l.startsWith('|') && !/^\|( *\S+\|)+$/.test(l)) || (l.startsWith('+') && !/^\+(-+\+)+$/.test(l)));
}

testNeeding(['tmux'], 'three stages with --status and a console sink: whole tables and one status block on one terminal', { timeout: 90_000 }, async () => {
  const dir = tempDir('sluice-live-');
  const pipeline = [
    `${sluice} source rate --per-second 40 --limit 240 --batch 500ms --status`,
    `${sluice} map --status '({k: r.value % 3})'`,
    `${sluice} reduce-by-key k --count --status`,
    `${sluice} sink console`,
  ].join(' | ');
  const p = TmuxPane.start(`cd ${shellQuote(dir)}; ${pipeline}; echo "exit=\${PIPESTATUS[*]} DONE"`, { width: 120, height: 40 });
  try {
    const screens = await p.screensUntil((s) => s.includes('DONE'), 60_000, 'the end of the pipeline');
    let together = 0;
    for (const s of screens) {
      const { lines, stray } = statusLines(s);
      assert.deepEqual(stray, [], `status text inside other output:\n${s}`);
      assert.deepEqual(tornTableLines(s), [], `a torn table:\n${s}`);
      // One line per stage at most: no two copies, no stage overwriting another.
      for (const stage of STAGES) assert.ok(lines.filter((l) => l.startsWith(stage + ' ')).length <= 1, `two ${stage} lines:\n${s}`);
      if (lines.length === 3) {
        together++;
        // The block is the last thing on the screen, its lines adjacent.
        const all = s.split('\n');
        assert.deepEqual(all.slice(-3).map((l) => STATUS.test(l)), [true, true, true], `the block is not at the bottom:\n${s}`);
      }
    }
    assert.ok(together > 0, `the three status lines were never shown together:\n${screens.join('\n----\n')}`);
    const end = p.scrollback();
    assert.match(end, /exit=0 0 0 0 DONE/);
    assert.deepEqual(tornTableLines(end), [], end);
    assert.deepEqual(statusLines(end).lines, [], `status lines left behind:\n${end}`);
    const numbers = [...end.matchAll(/^Batch: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.ok(numbers.length >= 3, end);
    assert.deepEqual(numbers, numbers.map((_, i) => i));
  } finally {
    p.close();
  }
});

testNeeding(['tmux'], 'the live area never touches stdout records or a redirected stderr', { timeout: 60_000 }, async () => {
  const dir = tempDir('sluice-live-');
  const pipeline = [
    `${sluice} source rate --per-second 40 --limit 80 --batch 500ms --status`,
    `${sluice} map --status '({k: r.value % 3})' 2> map-err.txt`,
    `${sluice} reduce-by-key k --count --status > counts.ndjson`,
  ].join(' | ');
  const p = TmuxPane.start(`cd ${shellQuote(dir)}; ${pipeline}; echo "exit=\${PIPESTATUS[*]} DONE"`, { width: 120, height: 20 });
  try {
    const screens = await p.screensUntil((s) => s.includes('DONE'), 40_000, 'the end of the pipeline');
    assert.ok(screens.some((s) => statusLines(s).lines.length === 2), `source and reduce-by-key never shared the block:\n${screens.join('\n----\n')}`);
    assert.match(screens[screens.length - 1]!, /exit=0 0 0 DONE/);
  } finally {
    p.close();
  }
  assert.equal(readFileSync(join(dir, 'map-err.txt'), 'utf8'), '');
  const counts = readFileSync(join(dir, 'counts.ndjson'), 'utf8');
  assert.doesNotMatch(counts, /\x1b|batches/);
  assert.ok(counts.split('\n').filter((l) => l.startsWith('{')).length >= 3, counts);
});

testNeeding(['tmux'], 'the live area sits under a chart redrawn in place', { timeout: 60_000 }, async () => {
  const dir = tempDir('sluice-live-');
  const pipeline = [
    `${sluice} source rate --per-second 40 --limit 160 --batch 500ms --status`,
    `${sluice} map '({k: r.value % 3})'`,
    `${sluice} reduce-by-key k --count --mode complete --status`,
    `${sluice} sink console --chart --top 3`,
  ].join(' | ');
  const p = TmuxPane.start(`cd ${shellQuote(dir)}; ${pipeline}; echo "exit=\${PIPESTATUS[*]} DONE"`, { width: 100, height: 24, env: { LANG: 'C.UTF-8' } });
  try {
    const screens = await p.screensUntil((s) => s.includes('DONE'), 40_000, 'the end of the pipeline');
    let under = 0;
    for (const s of screens) {
      const lines = s.split('\n');
      assert.ok(lines.filter((l) => /^Batch \d+ /.test(l)).length <= 1, `two charts on one screen:\n${s}`);
      assert.deepEqual(statusLines(s).stray, [], s);
      const chart = lines.findIndex((l) => /^Batch \d+ /.test(l));
      const status = lines.findIndex((l) => STATUS.test(l));
      if (chart >= 0 && status > chart) under++;
    }
    assert.ok(under > 0, `the status block never showed under the chart:\n${screens.join('\n----\n')}`);
    const end = p.scrollback();
    assert.match(end, /exit=0 0 0 0 DONE/);
    assert.deepEqual(statusLines(end).lines, [], end);
    assert.equal(end.split('\n').filter((l) => /^Batch \d+ /.test(l)).length, 1, end);
  } finally {
    p.close();
  }
});

testNeeding(['tmux'], "a stage that does not draw hands its diagnostics to the drawer: each printed whole, above the block", { timeout: 60_000 }, async () => {
  const dir = tempDir('sluice-live-');
  const pipeline = [
    `${sluice} source rate --per-second 20 --limit 60 --batch 500ms --status`,
    `${sluice} map --status --on-error skip 'r.value % 10 === 3 ? r.a.b : {k: r.value % 2}'`,
    `${sluice} sink console`,
  ].join(' | ');
  const p = TmuxPane.start(`cd ${shellQuote(dir)}; ${pipeline}; echo "exit=\${PIPESTATUS[*]} DONE"`, { width: 250, height: 40 });
  try {
    const screens = await p.screensUntil((s) => s.includes('DONE'), 40_000, 'the end of the pipeline');
    for (const s of screens) {
      assert.deepEqual(statusLines(s).stray, [], s);
      assert.deepEqual(tornTableLines(s), [], s);
    }
    const end = p.scrollback();
    assert.match(end, /exit=0 0 0 DONE/);
    const warnings = end.split('\n').filter((l) => l.includes('threw: Cannot read'));
    assert.equal(warnings.length, 6, end);
    for (const w of warnings) assert.match(w, /^sluice map: stdin:\d+: expression .* skipped \(line: \{.*\}\)$/);
    assert.match(end, /^sluice map: 6 bad records skipped$/m);
    assert.deepEqual(statusLines(end).lines, [], end);
  } finally {
    p.close();
  }
});
