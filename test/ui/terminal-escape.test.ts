// Data never reaches the terminal raw (issue 11.11): console tables, charts and
// diagnostics that echo a bad line show control characters escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { renderTable } from '../../src/connectors/sinks/console-sink.js';
import { displayWidth, visible } from '../../src/engine/terminal/visible.js';
import { sh, tempDir } from '../helpers/run.js';

/** Any byte a terminal acts on: C0 but the line ends we print ourselves, DEL, C1; and the bidi and line-separator code points. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const HOSTILE = ['\x1b[2J', '\x1b]0;owned\x07', '\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\', 'a\rb', 'line1\nline2', 'bell\x07', '\u202eevil', 'tab\there', '\x9b31m', 'nul\x00', '\ud800lone'];

const controlChar = fc.constantFrom('\x1b', '\x07', '\r', '\n', '\t', '\x00', '\x7f', '\x85', '\x9b', '\u202e', '\u2066', '\u2028', '\u200f', '\ud800', '\udfff', '[', ']', ';');
const hostileString = fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.fullUnicodeString({ maxLength: 3 }), controlChar), { maxLength: 12 }).map((parts) => parts.join(''));

test('visible() escapes control characters and leaves plain text alone', () => {
  assert.equal(visible('plain text, ünïcödé, 漢字'), 'plain text, ünïcödé, 漢字');
  assert.equal(visible('\x1b]0;t\x07'), '\\x1b]0;t\\x07');
  assert.equal(visible('a\nb\rc\td'), 'a\\nb\\rc\\td');
  assert.equal(visible('\u202e\x9b\x7f'), '\\u202e\\x9b\\x7f');
  assert.equal(visible('😀'), '😀');
  assert.equal(visible('\ud800x'), '\\ud800x');
});

test('property: a table of random strings with control characters has no raw control byte and every line the same width', () => {
  fc.assert(
    fc.property(
      fc.array(fc.dictionary(hostileString, fc.oneof(hostileString, fc.integer(), fc.constant(null)), { maxKeys: 4 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom(0, 3, 5, 20),
      (rows, truncate) => {
        const lines = renderTable(rows, 20, truncate);
        for (const line of lines.slice(0, -1)) assert.doesNotMatch(line, RAW_CONTROL, JSON.stringify(line));
        const widths = new Set(lines.filter((l) => l.startsWith('|') || l.startsWith('+')).map(displayWidth));
        assert.equal(widths.size, 1, lines.join('\n'));
      },
    ),
    { numRuns: 500 },
  );
});

test('sink console prints hostile values escaped, one table line per row', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), HOSTILE.map((v, i) => JSON.stringify({ i, v, [`k${v}`]: 1 })).join('\n') + '\n');
  const r = await sh('sluice source file in.ndjson --format json | sluice sink console --no-truncate', { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, RAW_CONTROL);
  assert.match(r.stdout, /\\x1b\]0;owned\\x07/);
  assert.match(r.stdout, /line1\\nline2/);
  assert.match(r.stdout, /\\u202eevil/);
  const rowLines = r.stdout.split('\n').filter((l) => l.startsWith('|'));
  assert.equal(rowLines.length, HOSTILE.length + 1, r.stdout);
  assert.equal(new Set(rowLines.map(displayWidth)).size, 1, r.stdout);
});

test('sink console --chart labels are escaped', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), HOSTILE.map((v, i) => JSON.stringify({ k: v, count: i + 1 })).join('\n') + '\n');
  const r = await sh('sluice source file in.ndjson --format json | sluice sink console --chart --top 20', { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, RAW_CONTROL);
  assert.match(r.stdout, /\\x1b\[2J/);
});

test('a diagnostic that echoes a bad line shows its control characters escaped', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'bad.ndjson'), '{"a":1}\n{"a": \x1b]0;owned\x07 \x1b[2J\u202e}\n');
  for (const cmd of ['sluice map r < bad.ndjson', 'sluice map --on-error skip r < bad.ndjson', 'sluice source file bad.ndjson --format json --on-error skip']) {
    const r = await sh(cmd, { cwd: dir });
    assert.match(r.stderr, /bad\.ndjson:2|stdin:2/, `${cmd}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr.replace(/\n/g, ''), RAW_CONTROL, `${cmd}: ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr, /\\x1b\]0;owned\\x07 \\x1b\[2J\\u202e/, cmd);
  }
});

test('a warning that quotes a key shows its bidi and C1 characters escaped', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), '{"k":"a\\u202eb\\u009b","n":9007199254740993}\n');
  const r = await sh('sluice reduce-by-key k --sum n < in.ndjson', { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /for key \["a\\u202eb\\x9b"\]/);
  assert.doesNotMatch(r.stderr.replace(/\n/g, ''), RAW_CONTROL);
});
