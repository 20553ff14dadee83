import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { textRecordLine } from '../../src/engine/codec.js';
import { copyTextLines } from '../../src/engine/fast/text-lines.js';
import { sh, tempDir } from '../helpers/run.js';

// `source --format text` writes a read's lines as {"value":…} bytes straight
// into the writer (issue 12.3a): the same bytes as textRecordLine() of each
// decoded line, the same diagnostics and positions as the line-by-line path.

/** Bytes a line is made of: every escape JSON.stringify knows, CR, multi-byte UTF-8, and bytes that are not UTF-8. */
const text = fc.constantFrom('a', 'Word', ' ', '\t', '"', '\\', '\r', '\n', '\n', '\u0000', '\u0001', '\b', '\f', '\u001b', '\u001f', '\u007f', 'é', '€', '😀', '\u2028', '/', '{"__sluice":1}');
const notUtf8 = fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xef, 0xbb, 0xbf]);
const piece = fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: notUtf8 });
const bytesOf = (p: string | number[]) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p));
const block = fc.array(piece, { maxLength: 60 }).map((ps) => Buffer.concat(ps.map(bytesOf)));
const utf8Block = fc.array(text, { maxLength: 60 }).map((ps) => Buffer.from(ps.join('')));

/** A writer's byte interface, collecting what is written. */
class Collector {
  private buf = Buffer.alloc(0);
  bytesUsed = 0;
  records = 0;
  byteRoom(n: number): Buffer {
    if (this.bytesUsed + n > this.buf.length) {
      const bigger = Buffer.alloc(2 * (this.bytesUsed + n));
      this.buf.copy(bigger, 0, 0, this.bytesUsed);
      this.buf = bigger;
    }
    return this.buf;
  }
  addedBytes(length: number, records: number): void {
    this.bytesUsed += length;
    this.records += records;
  }
  text(): string {
    return this.buf.toString('utf8', 0, this.bytesUsed);
  }
}

test('copyTextLines writes exactly textRecordLine of each decoded line, and stops where the ordinary path must take over', () => {
  fc.assert(
    fc.property(block, fc.integer({ min: 1, max: 40 }), fc.boolean(), (bytes, maxLineBytes, lfAtEnd) => {
      // As the framer hands it: complete lines, the last one's LF at `end` (or in an earlier read).
      const input = lfAtEnd ? Buffer.concat([bytes, Buffer.from('\n')]) : bytes;
      const end = lfAtEnd ? input.length - 1 : input.length;
      const out = new Collector();
      const taken = copyTextLines(out, input, 0, end, maxLineBytes);
      if (!isUtf8(input.subarray(0, end))) {
        assert.deepEqual([taken.lines, out.bytesUsed], [0, 0]);
        return;
      }
      const expected: string[] = [];
      let lines = 0;
      let to = 0;
      for (const raw of input.subarray(0, end).toString('utf8').split('\n')) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (Buffer.byteLength(line) > maxLineBytes) break;
        lines++;
        to += Buffer.byteLength(raw) + 1;
        if (line !== '') expected.push(textRecordLine(line) + '\n');
      }
      assert.equal(out.text(), expected.join(''));
      assert.deepEqual([taken.to, taken.lines, taken.records, out.records], [to, lines, expected.length, expected.length]);
    }),
    { numRuns: 3000, seed: 31 },
  );
});

test('source file (text) prints the same records, diagnostics and positions with and without the fast paths', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  // Valid UTF-8 files (the fast path's), and files with bytes that are not (the ordinary path's, read by read).
  const files = [utf8Block, utf8Block, block].flatMap((b) => fc.sample(fc.array(b, { minLength: 1, maxLength: 40 }), { numRuns: 2, seed: 7 })).map((blocks) => Buffer.concat(blocks));
  // A file that starts with a BOM, one with long lines around the limit, one without a final newline.
  files.push(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), files[0]!]), Buffer.from('x'.repeat(70) + '\n' + 'y'.repeat(10) + '\r\n\r\n' + 'z'.repeat(64) + '\n'), Buffer.from('a\tb\n\nlast'));
  let printed = 0;
  for (const [i, bytes] of files.entries()) {
    const path = join(dir, `in-${i}.txt`);
    writeFileSync(path, bytes);
    for (const options of ['--max-line-bytes 64 --on-error skip', '--strict-utf8 --on-error skip', '--max-line-bytes 64 --on-error fail']) {
      const command = `sluice source file ${path} ${options}`;
      const fast = await sh(command);
      const general = await sh(command, { env: { SLUICE_FAST: '0' } });
      // Each run's stream token is random: compare the rest (positions included).
      const untokened = (s: string) => s.replace(/"token":"[0-9a-f]+"/g, '"token":""');
      assert.deepEqual([fast.code, untokened(fast.stdout), fast.stderr], [general.code, untokened(general.stdout), general.stderr], `${command}\n${JSON.stringify(bytes.toString('latin1'))}`);
      printed += fast.stdout.length;
    }
  }
  assert.ok(printed > 0, 'some records got through');
});
