import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { StageContext } from '../../src/engine/context.js';
import { ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import { WindowOperator, type WindowOptions } from '../../src/engine/operators/window.js';
import { PipeBoundary } from '../../src/engine/pipe-boundary.js';
import type { Downstream } from '../../src/engine/stream.js';
import { withFastPaths } from '../helpers/fast-paths.js';
import { tempDir } from '../helpers/run.js';
import { chunks, stageOver } from '../helpers/stage-over.js';
import { boundedStream, controlLine, STREAM_EPOCH } from '../helpers/stream.js';

// Whole reads with non-ASCII characters are read in their byte view
// (fast/byte-text.ts): lines are checked, copied and spliced as bytes, and
// only captured values (group keys, windows, late lines, lines handed on) are
// decoded. Non-ASCII goes in key names (the time field's and the group key's
// too), in group keys (written raw, escaped, composed and decomposed), next to
// the time, in lines whose characters are within --max-line-bytes and whose
// bytes are not, and invalid UTF-8 in some lines (such a read keeps the
// general path, which replaces it). Reads are cut anywhere, through a
// character's bytes too. Each case must print (as bytes) and report exactly
// what SLUICE_FAST=0 does.

const cases = (n: number) => Math.max(1, Math.round(n * Number(process.env['SLUICE_DIFF_CASES'] ?? 1)));
const T = STREAM_EPOCH;
const iso = (ms: number) => new Date(T + ms).toISOString();

/** Where a line has an invalid UTF-8 sequence (replaced by one of INVALID in the bytes). */
const MARK = '\uE000';
const INVALID = [[0xff], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xe2, 0x82]];

/** The bytes of `s`, each MARK an invalid sequence (taken in turn from `first` on). */
function bytesOf(s: string, first: number): Buffer {
  const parts = s.split(MARK);
  const out: Buffer[] = [Buffer.from(parts[0]!)];
  for (let i = 1; i < parts.length; i++) out.push(Buffer.from(INVALID[(first + i) % INVALID.length]!), Buffer.from(parts[i]!));
  return Buffer.concat(out);
}

const words = ['München', 'Muenchen', 'Zürich', '東京', '😀', 'u1', 'für Oma', 'gift wrap ✓', 'rush — please', 'Mu\u0308nchen', '\u2028', 'é€', ''];
/** A group key's JSON text: raw non-ASCII mostly, escaped spellings of the same strings, numbers. */
const groupKey = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...words).map((w) => JSON.stringify(w)) },
  { weight: 2, arbitrary: fc.constantFrom('"M\\u00fcnchen"', '"\\u6771\\u4eac"', '"a\\"ü"', '"\\ud83d\\ude00"', '7', '7.0', 'null') },
  { weight: 1, arbitrary: fc.constantFrom(`"M${MARK}nchen"`, '{"ü":1}', 'true') },
);
/** A note next to the time or the key: short, long enough that its bytes pass --max-line-bytes (300) while its characters do not, or with invalid UTF-8. */
const note = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...words).map((w) => JSON.stringify(w)) },
  { weight: 2, arbitrary: fc.integer({ min: 30, max: 110 }).map((k) => JSON.stringify('€'.repeat(k))) },
  { weight: 1, arbitrary: fc.constantFrom(`"x${MARK}y"`, `"${MARK}"`, '"ü\\n"', '["ß",{"ø":"å"}]') },
);
const n = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -9, max: 999 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('1.5', 'null', '"7"', '"٣"') });

/** Times mostly in order with jitter (some late behind a 1.5 s watermark), some not a common form or not ASCII. */
const time = (i: number) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: -3000, max: 500 }).map((j) => `"${iso(i * 300 + j)}"`) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 500 }).map((j) => `"${iso(i * 300 + j).replace('Z', '+00:00')}"`) },
    { weight: 1, arbitrary: fc.constantFrom('"2026-01-01T00:00:01Ü"', '"２０２６-01-01T00:00:01Z"', '"2026-01-01T00:00:01.000Z\u00a0"', '"bald"', '5') },
  );

/** Key orders: the time field first, between non-ASCII members, last; a non-ASCII key name not the time's. */
const layouts = (tf: string, kf: string): string[][] => [
  [tf, kf, 'n', 'note'],
  ['note', tf, kf, 'n'],
  [kf, 'ñote', tf, 'n', 'ü'],
  ['ü', tf],
  [tf, 'note', 'note'],
  [kf, 'n'],
];
const layout = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(0, 1, 2) }, { weight: 2, arbitrary: fc.constantFrom(3, 4, 5) });

const lineAt = (i: number, tf: string, kf: string) =>
  fc.oneof(
    {
      weight: 30,
      arbitrary: fc.tuple(layout, time(i), groupKey, n, note).map(([l, t, k, v, w]) => {
        const members = layouts(tf, kf)[l]!.map((key) => `${JSON.stringify(key)}:${key === tf ? t : key === kf ? k : key === 'n' ? v : w}`);
        return `{${members.join(',')}}`;
      }),
    },
    // The time field's name escaped, spaces, a control record's shape, not JSON.
    { weight: 1, arbitrary: fc.constantFrom(`{${JSON.stringify(tf).replace('ü', '\\u00fc')}:"${iso(i * 300)}"}`, `{ ${JSON.stringify(tf)}: "${iso(i * 300)}", "ä": 1 }`, '{"__sluice":{"v":2,"type":"batch"}}', 'nicht JSON ✗', `{${JSON.stringify(tf)}:"${iso(i * 300)}","x":"${MARK}"` + '}') },
  );

/** The time field's and the group key's names: ASCII or not. */
const names = fc.tuple(fc.constantFrom('ts', 'zeit_ü'), fc.constantFrom('user', '名前'));

const dataText = (tf: string, kf: string) => fc.integer({ min: 20, max: 120 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => lineAt(i, tf, kf)))).map((lines) => lines.join('\n') + '\n');
/** Where the bytes are cut into reads. */
const cuts = fc.oneof(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: 500, max: 5000 }), { minLength: 1, maxLength: 4 }));

const windowOptions = (tf: string, sliding: boolean, late: WindowOptions['late']): WindowOptions => ({
  shape: { kind: 'fixed', size: 4000, slide: sliding ? 2000 : undefined },
  timeField: tf,
  watermarkDelay: 1500,
  maxSkew: 0,
  late,
  limits: { maxKeys: 0, maxBytes: 0 },
});

type Next = 'writer' | 'reduce' | 'boundary';

/** The window stage over `input`, into its writer or a reduce-by-key of `kf` (directly, or as under `sluice run`); a --late file's bytes follow. */
async function windowStage(input: Buffer[], tf: string, kf: string, sliding: boolean, late: 'drop' | 'emit' | 'file', next: Next, depth: number, dir: string): Promise<string[]> {
  const file = join(dir, 'late.ndjson');
  rmSync(file, { force: true });
  const o = windowOptions(tf, sliding, late === 'file' ? { kind: 'file', file } : { kind: late });
  const reduceOf = (writer: Downstream, ctx: StageContext) => new ReduceByKeyOperator({ key: { fields: [kf] }, aggregates: [{ kind: 'count' }, { kind: 'sum', field: 'n' }] }, writer, ctx);
  const build = (writer: Downstream, ctx: StageContext): Downstream =>
    new WindowOperator(o, next === 'writer' ? writer : next === 'reduce' ? reduceOf(writer, ctx) : new PipeBoundary(reduceOf(writer, ctx), ctx.errors), ctx);
  const out = await stageOver('window', input, depth, build, { now: T + 30_000, bytes: true });
  let lateBytes = '';
  try {
    lateBytes = readFileSync(file, 'latin1');
  } catch {
    // no late line
  }
  return [...out, lateBytes];
}

test('the window stage reads non-ASCII and invalid UTF-8 whole reads exactly as SLUICE_FAST=0 reads them', async () => {
  const dir = tempDir();
  try {
    await fc.assert(
      fc.asyncProperty(
        names.chain(([tf, kf]) => fc.tuple(fc.constant(tf), fc.constant(kf), dataText(tf, kf))),
        fc.nat(),
        cuts,
        fc.boolean(),
        fc.constantFrom<'drop' | 'emit' | 'file'>('drop', 'emit', 'file', 'file'),
        fc.constantFrom<Next>('writer', 'writer', 'reduce', 'boundary'),
        fc.constantFrom(1, 2, 100),
        async ([tf, kf, s], first, sizes, sliding, late, next, depth) => {
          const input = chunks(bytesOf(s, first), sizes);
          const fast = await withFastPaths(true, () => windowStage(input, tf, kf, sliding, late, next, depth, dir));
          const general = await withFastPaths(false, () => windowStage(input, tf, kf, sliding, late, next, depth, dir));
          assert.deepEqual(fast, general);
        },
      ),
      { numRuns: cases(100) },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stage whose chain is its writer copies non-ASCII and invalid UTF-8 whole reads exactly as SLUICE_FAST=0 writes them', async () => {
  await fc.assert(
    fc.asyncProperty(
      names.chain(([tf, kf]) => dataText(tf, kf)),
      fc.nat(),
      cuts,
      fc.constantFrom(1, 2, 100),
      async (s, first, sizes, depth) => {
        const input = chunks(bytesOf(s, first), sizes);
        const copy = () => stageOver('sink', input, depth, (writer) => writer, { now: T + 30_000, bytes: true });
        const fast = await withFastPaths(true, copy);
        const general = await withFastPaths(false, copy);
        assert.deepEqual(fast, general);
      },
    ),
    { numRuns: cases(60) },
  );
});

/** A window's JSON text: mostly the window stage's, sometimes with non-ASCII or an escape. */
const windowText = (w: number) =>
  fc.oneof(
    { weight: 30, arbitrary: fc.constant(JSON.stringify({ start: iso(w * 4000), end: iso(w * 4000 + 4000) })) },
    { weight: 1, arbitrary: fc.constantFrom('{"start":"é\u2028","end":"ü"}', '{"start":"\\u00e9","end":"ü"}', `{"start":"${MARK}","end":"x"}`, '"ß"') },
  );

const windowedLine = (i: number, kf: string) =>
  fc.tuple(groupKey, n, note, windowText(Math.floor(i / 17)), fc.boolean()).map(([k, v, w, win, noteFirst]) => {
    const key = `${JSON.stringify(kf)}:${k}`;
    const body = noteFirst ? `"note":${w},${key},"n":${v}` : `${key},"n":${v},"ñote":${w}`;
    return `{${body},"window":${win}}`;
  });

const windowedText = fc
  .tuple(fc.constantFrom('user', '名前'), fc.integer({ min: 30, max: 150 }))
  .chain(([kf, count]) => fc.tuple(fc.constant(kf), fc.tuple(...Array.from({ length: count }, (_, i) => windowedLine(i, kf)))))
  .map(([kf, lines]) => [kf, boundedStream(lines, 41, (i) => (i % 29 === 28 ? [controlLine({ type: 'watermark', t: T + (i / 17) * 4000 })] : []))] as const);

test('reduce-by-key groups non-ASCII keys of whole reads of windowed lines exactly as SLUICE_FAST=0 groups them', async () => {
  await fc.assert(
    fc.asyncProperty(windowedText, fc.nat(), cuts, fc.constantFrom<'batch' | 'update' | 'complete'>('batch', 'update', 'complete'), fc.boolean(), fc.constantFrom(2, 100), async ([kf, s], first, sizes, mode, two, depth) => {
      const input = chunks(bytesOf(s, first), sizes);
      const fields = two ? [kf, 'note'] : [kf];
      const reduce = () =>
        stageOver('reduce-by-key', input, depth, (writer, ctx) => new ReduceByKeyOperator({ key: { fields }, aggregates: [{ kind: 'count' }, { kind: 'max', field: 'n' }], mode }, writer, ctx), {
          now: T + 30_000,
          bytes: true,
        });
      const fast = await withFastPaths(true, reduce);
      const general = await withFastPaths(false, reduce);
      assert.deepEqual(fast, general);
    }),
    { numRuns: cases(60) },
  );
});
