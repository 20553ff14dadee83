import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineFramer } from '../../src/engine/framing.js';

function frame(chunks: Buffer[], maxLineBytes = 1 << 20, strictUtf8 = false) {
  const events: string[] = [];
  const framer = new LineFramer(
    {
      line: (t, n) => events.push(`${n}:${t}`),
      oversize: (n, bytes) => events.push(`${n}:OVERSIZE(${bytes})`),
      invalidUtf8: (n) => events.push(`${n}:INVALID`),
    },
    { maxLineBytes, strictUtf8 },
  );
  for (const c of chunks) framer.push(c);
  framer.end();
  return { events, replaced: framer.replacedUtf8Lines };
}

test('CRLF, BOM and a missing final newline', () => {
  const { events } = frame([Buffer.from('\ufeffa\r\nb\n\nc')]);
  assert.deepEqual(events, ['1:a', '2:b', '3:', '4:c']);
});

test('a multi-byte character split across reads is decoded intact', () => {
  const bytes = Buffer.from('é€😀\n');
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(frame([bytes.subarray(0, cut), bytes.subarray(cut)]).events, ['1:é€😀']);
  }
});

test('an oversize line is reported without being held, and the next line still arrives', () => {
  const big = Buffer.alloc(5000, 'x');
  const { events } = frame([Buffer.from('ok\n'), big, big, Buffer.from('\nafter\n')], 1000);
  assert.deepEqual(events, ['1:ok', '2:OVERSIZE(10000)', '3:after']);
});

test('invalid UTF-8 is replaced and counted, or rejected when strict', () => {
  const bad = Buffer.from([0x61, 0xff, 0x62, 0x0a, 0x63, 0x0a]);
  const lax = frame([bad]);
  assert.deepEqual(lax.events, ['1:a\ufffdb', '2:c']);
  assert.equal(lax.replaced, 1);
  assert.deepEqual(frame([bad], 1 << 20, true).events, ['1:INVALID', '2:c']);
});

test('lines taken undecoded through takeLineBytes keep their order, line numbers and offsets', () => {
  const run = (chunks: Buffer[], maxLineBytes: number, take: boolean) => framedTaking(chunks, maxLineBytes, take, true);
  fc.assert(
    fc.property(
      fc.array(fc.stringOf(fc.constantFrom('t', 'x', 'é', '\r', ' '), { maxLength: 8 }), { maxLength: 12 }),
      fc.boolean(),
      fc.array(fc.nat(60), { maxLength: 6 }),
      fc.constantFrom(4, 1 << 20),
      (lines, finalNewline, cuts, maxLineBytes) => {
        const bytes = Buffer.from(lines.join('\n') + (finalNewline ? '\n' : ''));
        const at = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((from, i) => bytes.subarray(from, [...at, bytes.length][i]));
        const plain = run(chunks, maxLineBytes, false);
        const taken = run(chunks, maxLineBytes, true);
        assert.equal(taken.length, plain.length);
        taken.forEach((ev, i) => {
          if (ev.n === undefined) {
            assert.equal(ev.text, plain[i]!.text);
            assert.ok(ev.text.startsWith('t'));
          } else assert.deepEqual(ev, plain[i]);
        });
      },
    ),
    { numRuns: 2000 },
  );
});

test('CRLF lines reach the whole-read paths without their CR (offsets not tracked): taken as line() would get them, in order', () => {
  const run = (chunks: Buffer[], maxLineBytes: number, take: boolean) => framedTaking(chunks, maxLineBytes, take, false);
  const chunksOf = (bytes: Buffer, cuts: number[]) => {
    const at = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
    return [0, ...at].map((from, i) => bytes.subarray(from, [...at, bytes.length][i]));
  };
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.stringOf(fc.constantFrom('t', 'x', 'é', '\r', ' '), { maxLength: 8 }), fc.constantFrom('\n', '\r\n')), { maxLength: 12 }),
      fc.boolean(),
      fc.array(fc.nat(80), { maxLength: 6 }),
      fc.constantFrom(4, 1 << 20),
      (lines, finalNewline, cuts, maxLineBytes) => {
        const text = lines.map(([l, end]) => l + end).join('');
        const chunks = chunksOf(Buffer.from(finalNewline ? text : text.replace(/\r?\n$/, '')), cuts);
        const plain = run(chunks, maxLineBytes, false);
        const taken = run(chunks, maxLineBytes, true);
        assert.deepEqual(
          taken.map((e) => e.text),
          plain.map((e) => e.text),
        );
        taken.forEach((ev, i) => {
          if (ev.n !== undefined) assert.equal(ev.n, plain[i]!.n);
        });
      },
    ),
    { numRuns: 2000 },
  );
  // Every line a CRLF line the taker wants: each is taken, wherever the reads are cut.
  const windows = Buffer.from(Array.from({ length: 50 }, (_, i) => `t${i}\r\n`).join(''));
  for (const cuts of [[], [7], [3, 4, 5, 90, 200]]) {
    assert.deepEqual(
      run(chunksOf(windows, cuts), 1 << 20, true).map((e) => e.n),
      Array(50).fill(undefined),
      `cuts ${cuts}`,
    );
  }
});

type Framed = { n: number | undefined; text: string; end?: number };

/**
 * The events of a framer over the chunks; with `take`, a sink that also takes
 * the run of lines starting with 't' at the start of each whole read, as the
 * fast paths do (a line ending with a CR is never taken): those come with no
 * line number.
 */
function framedTaking(chunks: Buffer[], maxLineBytes: number, take: boolean, trackOffsets: boolean): Framed[] {
  const events: Framed[] = [];
  const framer = new LineFramer(
    {
      line: (text, n, end) => events.push({ n, text, end }),
      oversize: (n, bytes, end) => events.push({ n, text: `OVERSIZE(${bytes})`, end }),
      invalidUtf8: (n, end) => events.push({ n, text: 'INVALID', end }),
      ...(take && {
        takeLineBytes: (bytes: Buffer, from: number, end: number, max: number) => {
          let to = from;
          let lines = 0;
          while (to < end && bytes[to] === 0x74 /* t */) {
            let lf = bytes.indexOf(0x0a, to);
            if (lf === -1 || lf > end) lf = end;
            if (lf - to > max || bytes[lf - 1] === 0x0d) break;
            events.push({ n: undefined, text: bytes.toString('utf8', to, lf) });
            lines++;
            to = lf + 1;
          }
          return { to, lines };
        },
      }),
    },
    { maxLineBytes, trackOffsets },
  );
  for (const c of chunks) framer.push(c);
  framer.end();
  return events;
}

test('a sink that pauses at control records gets the lines after each one offered whole again, in order, wherever the reads are cut', () => {
  const control = '{"__sluice":{"v":2}}';
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.stringOf(fc.constantFrom('x', 'é', ' '), { maxLength: 6 }).map((s) => `t${s}`), fc.constant(control), fc.constantFrom('other', '')), { minLength: 1, maxLength: 30 }),
      fc.array(fc.nat(400), { maxLength: 6 }),
      fc.boolean(),
      (lines, cuts, pauses) => {
        const bytes = Buffer.from(lines.join('\n') + '\n');
        const at = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((from, i) => bytes.subarray(from, [...at, bytes.length][i]));
        const events: Framed[] = [];
        // As a stage runner: while a control record it was handed is not read yet, no read is taken whole.
        let unread = false;
        const framer = new LineFramer(
          {
            line: (text, n) => {
              events.push({ n, text });
              if (text === control) unread = true;
            },
            oversize: () => assert.fail('no line is oversize'),
            invalidUtf8: () => assert.fail('all is UTF-8'),
            takeLineBytes: (b: Buffer, from: number, end: number) => {
              if (unread) return { to: from, lines: 0 };
              let to = from;
              let taken = 0;
              while (to < end && b[to] === 0x74 /* t */) {
                let lf = b.indexOf(0x0a, to);
                // The last line ends at `end`: its LF may be in an earlier read (a line held over).
                if (lf === -1 || lf > end) lf = end;
                events.push({ n: undefined, text: b.toString('utf8', to, lf) });
                taken++;
                to = lf + 1;
              }
              return { to, lines: taken };
            },
            pausesAtControl: pauses,
          },
          { maxLineBytes: 1 << 20 },
        );
        for (const c of chunks) {
          framer.push(c);
          unread = false;
          while (framer.paused) {
            // The framer stops right after handing a control record over.
            assert.equal(events.at(-1)?.text, control);
            framer.resume();
            unread = false;
          }
        }
        framer.end();
        assert.deepEqual(events.map((e) => e.text), lines, 'every line once, in order');
        // Line numbers of the lines given one by one are their places in the input.
        events.forEach((e, i) => e.n === undefined || assert.equal(e.n, i + 1));
        // A `t` line never goes by line() when the other lines are control records (one held over from the read before included), with a sink that pauses.
        if (pauses && !lines.some((l) => l !== control && !l.startsWith('t'))) {
          assert.ok(events.every((e) => e.text === control || e.n === undefined), JSON.stringify(events));
        }
      },
    ),
    { numRuns: 2000 },
  );
});
