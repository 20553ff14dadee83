import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sh, tempDir } from '../helpers/run.js';
import { boundedStream, STREAM_EPOCH } from '../helpers/stream.js';

// The real bin over real pipes, reads of a pipe's size (characters cut
// anywhere between them): non-ASCII key names, group keys and notes, lines
// whose bytes pass --max-line-bytes while their characters do not, and a few
// lines of invalid UTF-8. Windowing, grouping and copying print the very
// bytes, and report the very lines, that SLUICE_FAST=0 does.

const T = STREAM_EPOCH;
const keys = ['München', 'Zürich', '東京', 'M\\u00fcnchen', 'Mu\u0308nchen', 'u1', '😀'];
const notes = ['fast delivery', 'gift wrap ✓', '', 'für Oma', 'rush — please', '€'.repeat(80)];

/** 6000 lines, a few with invalid UTF-8 (\xff, a cut-off character), a few of more bytes than --max-line-bytes 400 (but fewer characters). */
function data(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < 6000; i++) {
    const t = new Date(T + i * 40 - (i % 11 === 10 ? 3000 : 0)).toISOString();
    const line = `{"zeit_ü":"${t}","名前":"${keys[(i * 7) % keys.length]!}","n":${i % 13},"note":${JSON.stringify(i % 731 === 300 ? '€'.repeat(110) : notes[(i * 5) % notes.length])}}`;
    if (i % 997 === 500) parts.push(Buffer.from(line.slice(0, 20)), Buffer.from([0xff, 0xc3]), Buffer.from(line.slice(20) + '\n'));
    else parts.push(Buffer.from(line + '\n'));
  }
  return Buffer.concat(parts);
}

/** Output lines without the stream's random token and start time. */
const steady = (bytes: Buffer) => bytes.toString('latin1').replace(/"token":"[0-9a-f]+"/g, '').replace(/"firstBatchStart":\d+/g, '');

async function run(dir: string, fast: '0' | '1'): Promise<string[]> {
  const env = { SLUICE_FAST: fast };
  const o = (name: string) => join(dir, `${name}-${fast}`);
  const win = await sh(`cat stream.ndjson | sluice window 4s --time-field zeit_ü --watermark 1500ms --max-line-bytes 400 --on-error skip --late ${o('late')} > ${o('win')}; cat ${o('win')} | sluice reduce-by-key 名前 --count --sum n --on-error skip > ${o('red')}`, { cwd: dir, env, timeoutMs: 60_000 });
  const src = await sh(`sluice source file data.ndjson --format json --max-line-bytes 400 --on-error skip > ${o('src')}`, { cwd: dir, env, timeoutMs: 60_000 });
  // The source's batches follow the clock: its data lines are compared.
  const dataLines = steady(readFileSync(o('src')))
    .split('\n')
    .filter((l) => !l.startsWith('{"__sluice"'));
  return [String(win.code), win.stderr.replaceAll(o('late'), 'LATE'), steady(readFileSync(o('win'))), steady(readFileSync(o('red'))), steady(readFileSync(o('late'))), String(src.code), src.stderr, ...dataLines];
}

test('window, reduce-by-key and source over pipes print non-ASCII and invalid UTF-8 lines exactly as SLUICE_FAST=0 does', { timeout: 180_000 }, async () => {
  const dir = tempDir();
  try {
    const bytes = data();
    writeFileSync(join(dir, 'data.ndjson'), bytes);
    writeFileSync(join(dir, 'stream.ndjson'), Buffer.concat([Buffer.from(boundedStream([], 1).split('\n')[0] + '\n'), bytes, Buffer.from(boundedStream([], 1).split('\n').slice(1).join('\n'))]));
    const fast = await run(dir, '1');
    const general = await run(dir, '0');
    assert.equal(fast[0], '0', fast[1]);
    assert.match(fast[1]!, /late records/);
    assert.ok(fast[2]!.includes('"note":"für Oma"'.replace('ü', '\xc3\xbc')), 'the window output has the notes as UTF-8');
    assert.deepEqual(fast, general);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
