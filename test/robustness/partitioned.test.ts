// The "data used in a file name" row: `sink file DIR --partition-by FIELD`
// against the real bin. Hostile values must land in one directory each, under
// DIR, and read back as they went in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import fc from 'fast-check';
import { MAX_NAME_BYTES, partitionDirName } from '../../src/connectors/sinks/partition-name.js';
import { sh, tempDir } from '../helpers/run.js';
import { assertDiagnosticsOnly, lines, runSluice } from './harness.js';

/** Every file below `root` (symlinks listed, never followed). */
function walk(root: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    const st = lstatSync(path);
    if (st.isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

const HOSTILE: unknown[] = [
  '../../etc/passwd',
  '/abs',
  '..',
  '.',
  '...',
  '.hidden',
  'a/b',
  'a\\b',
  'x\u0000y',
  'tab\there\nnewline',
  '%2F',
  '~',
  'z'.repeat(5000),
  'é'.repeat(300),
  'ünï😀 日本',
  '__proto__',
  'constructor',
  '',
  '\ud800',
  42,
  '42x',
  true,
  null,
  { o: '../x' },
  [1, '/'],
];

test('sink file --partition-by: hostile values stay under DIR, one directory per distinct value, readable back', async () => {
  const dir = tempDir();
  const outside = join(dir, 'etc');
  mkdirSync(outside);
  const out = join(dir, 'work', 'out');
  mkdirSync(join(dir, 'work'));
  // Each value twice, interleaved, so appends to an existing partition are covered too.
  const input = [...HOSTILE, ...HOSTILE].map((k, i) => JSON.stringify({ k, i })).join('\n') + '\n';
  const r = await runSluice(['sink', 'file', out, '--partition-by', 'k'], { input, cwd: join(dir, 'work') });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');

  const root = realpathSync(out);
  const files = walk(root);
  const dirs = readdirSync(root);
  assert.equal(dirs.length, HOSTILE.length, dirs.join('\n'));
  assert.equal(files.length, HOSTILE.length);
  const seen = new Map<string, unknown>();
  let total = 0;
  for (const file of files) {
    const real = realpathSync(file);
    assert.ok(real.startsWith(root + sep), `${real} is outside ${root}`);
    // DIR/<one component>/part.ndjson, nothing deeper.
    assert.equal(real.slice(root.length + 1).split(sep).length, 2, real);
    assert.ok(file.endsWith(`${sep}part.ndjson`), file);
    const name = file.slice(root.length + 1, -`${sep}part.ndjson`.length);
    assert.ok(Buffer.byteLength(name) <= MAX_NAME_BYTES, name);
    assert.ok(!name.startsWith('.'), name);
    const recs = lines(readFileSync(file, 'utf8')).map((l) => JSON.parse(l) as { k: unknown; i: number });
    assert.equal(recs.length, 2, `${name}: ${JSON.stringify(recs)}`);
    assert.deepEqual(recs[0]!.k, recs[1]!.k);
    assert.ok(recs[0]!.i < recs[1]!.i, 'order kept within a partition');
    assert.equal(name, partitionDirName('k', recs[0]!.k));
    seen.set(name, recs[0]!.k);
    total += recs.length;
  }
  assert.equal(total, HOSTILE.length * 2);
  assert.equal(seen.size, HOSTILE.length);
  // Nothing escaped: the decoy directories next to the output root stay empty.
  assert.deepEqual(readdirSync(outside), []);
  assert.deepEqual(readdirSync(join(dir, 'work')).sort(), ['out']);
  assert.ok(!existsSync('/abs'));
});

test('sink file --partition-by: a symlinked partition directory or part file is refused, nothing written through it', async () => {
  const dir = tempDir();
  const target = join(dir, 'target');
  mkdirSync(target);
  const out = join(dir, 'out');
  mkdirSync(out);
  symlinkSync(target, join(out, 'k=evil'));
  const r = await runSluice(['sink', 'file', out, '--partition-by', 'k'], { input: '{"k":"ok"}\n{"k":"evil"}\n' });
  assert.equal(r.code, 1);
  assert.equal(lines(r.stderr).length, 1, r.stderr);
  assert.match(r.stderr, /^sluice sink: .*k=evil exists and is not a plain directory \(a symlink\?\); refusing to write through it\n$/);
  assert.deepEqual(readdirSync(target), []);

  const out2 = join(dir, 'out2');
  mkdirSync(join(out2, 'k=evil'), { recursive: true });
  writeFileSync(join(dir, 'victim'), 'untouched\n');
  symlinkSync(join(dir, 'victim'), join(out2, 'k=evil', 'part.ndjson'));
  const r2 = await runSluice(['sink', 'file', out2, '--partition-by', 'k'], { input: '{"k":"evil"}\n' });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /part\.ndjson is a symlink; refusing to write through it/);
  assertDiagnosticsOnly(r2.stderr);
  assert.equal(readFileSync(join(dir, 'victim'), 'utf8'), 'untouched\n');
});

test('sink file --partition-by: missing field and non-objects follow --on-error; --checkpoint and --roll are usage errors', async () => {
  const dir = tempDir();
  const out = join(dir, 'out');
  const r = await runSluice(['sink', 'file', out, '--partition-by', 'a.b', '--on-error', 'skip'], {
    input: '{"a":{"b":"x"}}\n{"a":1}\n42\n{"a":{"b":"x"},"n":2}\n',
  });
  assert.equal(r.code, 0, r.stderr);
  assertDiagnosticsOnly(r.stderr);
  assert.match(r.stderr, /^sluice sink: stdin:2: no partition field 'a\.b'; skipped/m);
  assert.match(r.stderr, /^sluice sink: stdin:3: record is 42, not an object; cannot read partition field 'a\.b'; skipped/m);
  assert.deepEqual(readdirSync(out), ['a.b=x']);
  assert.equal(readFileSync(join(out, 'a.b=x', 'part.ndjson'), 'utf8'), '{"a":{"b":"x"}}\n{"a":{"b":"x"},"n":2}\n');

  const c = await runSluice(['sink', 'file', join(dir, 'o2'), '--partition-by', 'k', '--checkpoint', join(dir, 'cp')]);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /--partition-by does not combine with --checkpoint/);
  const roll = await runSluice(['sink', 'file', join(dir, 'o3'), '--partition-by', 'k', '--roll-bytes', '100']);
  assert.equal(roll.code, 2);
  assert.match(roll.stderr, /--roll and --roll-bytes do not apply/);
});

test('sink file --partition-by: more partitions than open files (LRU of 64), order kept in each', async () => {
  const dir = tempDir();
  const input = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ k: `p${i % 300}`, i })).join('\n') + '\n';
  // Batches of 250 records: every partition file is reopened after being closed.
  const r = await sh('sluice source --format json --max-records-per-batch 250 | sluice sink file out --partition-by k', { input, cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const names = readdirSync(join(dir, 'out'));
  assert.equal(names.length, 300);
  for (const name of names) {
    const is = lines(readFileSync(join(dir, 'out', name, 'part.ndjson'), 'utf8')).map((l) => (JSON.parse(l) as { i: number }).i);
    const p = Number(name.slice('k=p'.length));
    assert.deepEqual(is, Array.from({ length: 10 }, (_, j) => p + 300 * j));
  }
});

test('partition directory names: one safe path component per value, distinct for distinct values', () => {
  const value = fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.constantFrom('.', '..', '/', '\0', '%', '~'), fc.jsonValue());
  fc.assert(
    fc.property(fc.uniqueArray(value, { maxLength: 20, selector: (v) => (typeof v === 'string' ? v : JSON.stringify(v)) }), (values) => {
      const names = values.map((v) => partitionDirName('k', v));
      for (const n of names) {
        assert.ok(!n.includes('/') && !n.includes('\\') && !n.includes('\0'), n);
        assert.ok(n !== '.' && n !== '..' && !n.startsWith('.'), n);
        assert.ok(Buffer.byteLength(n) <= MAX_NAME_BYTES, n);
        // The name survives a round trip through the file system's bytes.
        assert.equal(Buffer.from(n, 'utf8').toString('utf8'), n);
      }
      assert.equal(new Set(names).size, names.length);
    }),
    { numRuns: 150 },
  );
});
