import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineFramer } from '../../src/engine/framing.js';

/** Frames `bytes` in random chunks with offsets tracked; returns [text, end] per line. */
function frame(bytes: Buffer, seed: number, startOffset = 0): [string, number][] {
  const out: [string, number][] = [];
  const framer = new LineFramer(
    {
      line: (text, _n, end) => out.push([text, end!]),
      oversize: (_n, _b, end) => out.push(['<oversize>', end!]),
      invalidUtf8: (_n, end) => out.push(['<invalid>', end!]),
    },
    { maxLineBytes: 40, trackOffsets: true, startOffset },
  );
  let rnd = seed;
  const next = () => (rnd = (rnd * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(next() * 7);
    framer.push(bytes.subarray(i, i + n));
    i += n;
  }
  framer.end();
  return out;
}

test('line end offsets are exact byte positions: BOM, CRLF, multi-byte characters, oversize lines, no final newline', () => {
  const lines = ['{"k":"a"}\r\n', '{"k":"é€😀"}\n', '\n', `{"long":"${'x'.repeat(60)}"}\n`, '{"k":"b"}\r\n', '{"k":"z"}'];
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), ...lines.map((l) => Buffer.from(l))]);
  let end = 3;
  const expected = lines.map((l) => {
    end += Buffer.byteLength(l);
    const text = l.replace(/\r?\n$/, '');
    return [text.length > 40 ? '<oversize>' : text, end] as [string, number];
  });
  for (let seed = 1; seed < 40; seed++) assert.deepEqual(frame(bytes, seed), expected, `seed ${seed}`);
  // Resuming in the middle: offsets continue from there and no BOM is looked for.
  const cut = 3 + Buffer.byteLength(lines[0]!) + Buffer.byteLength(lines[1]!);
  assert.deepEqual(frame(bytes.subarray(cut), 7, cut), expected.slice(2));
});

test('invalid UTF-8 keeps offsets in input bytes', () => {
  const bytes = Buffer.concat([Buffer.from('ok\n'), Buffer.from([0x61, 0xff, 0x62, 0x0a]), Buffer.from('end\n')]);
  const got = frame(bytes, 3);
  assert.deepEqual(got.map(([, e]) => e), [3, 7, 11]);
});
