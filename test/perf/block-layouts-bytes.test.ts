import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlockLayouts } from '../../src/engine/fast/block-layouts.js';

// BlockLayouts reads a valid UTF-8 read in its byte view: non-ASCII lines are
// taken whole (not left to the general path, which would be correct but slow),
// offsets are byte offsets, --max-line-bytes counts bytes, and what a
// consumer takes out of a line is decoded. The differential tests
// (non-ascii-reads.test.ts) check the output; these check the path is taken.

/** Scans `lines` (each ends with a LF) once to learn their layout, then again; what the second scan took, and what `take` saw. */
function scanTwice(layouts: BlockLayouts, lines: string[], maxLineBytes = 1000, seen?: (p: number, eol: number, bytes: Buffer) => void) {
  const bytes = Buffer.from(lines.join('\n') + '\n');
  const end = bytes.length - 1;
  layouts.scan(bytes, 0, end, maxLineBytes, () => true);
  return { bytes, end, taken: layouts.scan(bytes, 0, end, maxLineBytes, (p, eol) => (seen?.(p, eol, bytes), true)) };
}

test('lines with non-ASCII key names and values are taken whole, their captured values decoded', () => {
  const layouts = new BlockLayouts('zeit_ü', ['window', 'late'], 2, ['名前', 'zeit_ü', 'n']);
  const lines = ['München', 'M\\u00fcnchen', '東京😀'].map((k, i) => `{"note":"für Oma ✓","zeit_ü":"2026-01-01T00:00:0${i}.000Z","名前":"${k}","n":${i}}`);
  const keys: unknown[] = [];
  const times: string[] = [];
  const { end, taken } = scanTwice(layouts, lines, 1000, (p, eol, bytes) => {
    keys.push(layouts.raw(0));
    times.push(layouts.raw(1)!);
    // Offsets in the view are byte offsets: the line is the read's bytes [p, eol).
    assert.equal(bytes.toString('utf8', p, eol), lines[keys.length - 1]);
    assert.equal(bytes.toString('utf8', layouts.fieldFrom, layouts.fieldTo), `2026-01-01T00:00:0${keys.length - 1}.000Z`);
  });
  assert.deepEqual(taken, { to: end + 1, lines: 3 });
  assert.deepEqual(keys, ['"München"', '"M\\u00fcnchen"', '"東京😀"']);
  assert.deepEqual(times, ['"2026-01-01T00:00:00.000Z"', '"2026-01-01T00:00:01.000Z"', '"2026-01-01T00:00:02.000Z"']);
});

test('a read with invalid UTF-8 is left whole to the general path', () => {
  const layouts = new BlockLayouts(undefined, [], 2, ['k']);
  const good = Buffer.from('{"k":"ü"}\n{"k":"ü"}\n');
  layouts.scan(good, 0, good.length - 1, 1000, () => true);
  assert.equal(layouts.scan(good, 0, good.length - 1, 1000, () => true).lines, 2);
  const bad = Buffer.concat([good, Buffer.from('{"k":"'), Buffer.from([0xc3]), Buffer.from('"}\n')]);
  assert.deepEqual(layouts.scan(bad, 0, bad.length - 1, 1000, () => true), { to: 0, lines: 0 });
});

test('--max-line-bytes counts a line in bytes', () => {
  const layouts = new BlockLayouts(undefined, [], 2);
  // 8 characters of the line's own and 20 of '€': 28 characters, 68 bytes.
  const line = `{"v":"${'€'.repeat(20)}"}`;
  assert.equal(Buffer.byteLength(line), 68);
  assert.equal(scanTwice(layouts, [line, line], 68).taken.lines, 2);
  assert.deepEqual(scanTwice(layouts, [line, line], 67).taken, { to: 0, lines: 0 });
});

test('a non-ASCII last member is decoded once and given as the same string while it repeats', () => {
  const layouts = new BlockLayouts(undefined, [], 2, ['k', 'window']);
  const tail = '{"start":"é","end":"ü"}';
  const seen: string[] = [];
  const { taken } = scanTwice(layouts, ['a', 'b', 'c'].map((k) => `{"k":"${k}","window":${tail}}`), 1000, () => seen.push(layouts.raw(1)!));
  assert.equal(taken.lines, 3);
  assert.equal(seen[0], tail);
  assert.ok(seen[1] === seen[0] && seen[2] === seen[0]);
});

test('lines of layouts not seen yet are learnt where they are met, the first read included, so a read is taken whole', () => {
  // The shapes of a log whose members come and go (as in the bench's events): optional ms, err and ref.
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    const r: Record<string, unknown> = { time: `2026-01-01 00:00:${String(i % 60).padStart(2, '0')}`, level: 'info' };
    if (i % 2 === 0) r['ms'] = i;
    if (i % 3 === 0) r['err'] = 'e';
    if (i % 5 === 0) r['ref'] = `r${i}`;
    r['msg'] = 'm';
    lines.push(JSON.stringify(r));
  }
  const bytes = Buffer.from(lines.join('\n') + '\n');
  const layouts = new BlockLayouts('time', [], 3);
  assert.deepEqual(layouts.scan(bytes, 0, bytes.length - 1, 1000, () => true), { to: bytes.length, lines: lines.length });
  // More new layouts in one read than it learns (RELEARNS_PER_READ, 4): the rest of the read goes the ordinary way.
  const fresh = new BlockLayouts(undefined, [], 3);
  const many = ['{"a":1}', '{"b":1}', '{"c":1}', '{"d":1}', '{"e":1}', '{"f":1}', '{"g":1}'];
  const text = Buffer.from(many.join('\n') + '\n');
  const taken = fresh.scan(text, 0, text.length - 1, 1000, () => true);
  assert.equal(taken.lines, 4, 'four lines learnt in the read, its first line (learnt before the scan) included');
  assert.equal(taken.to, many.slice(0, 4).join('\n').length + 1);
});
