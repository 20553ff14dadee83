import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CheckpointRole } from '../../src/engine/checkpoint/store.js';
import { FileCommitSink } from '../../src/connectors/sinks/file-commit-sink.js';
import type { RollMode } from '../../src/connectors/sinks/file-parts.js';

const fail = (err: Error) => {
  throw err;
};

function open(root: string, path: string, mode: RollMode = 'single', rollBytes?: number) {
  const store = CheckpointRole.open(root, 'sink');
  const sink = new FileCommitSink(path, mode, rollBytes, store, fail);
  return {
    sink,
    batch(id: number, rows: number[]) {
      for (const n of rows) sink.data({ n }, undefined);
      sink.control({ type: 'batch', id, start: 0, end: 1, positions: { f: { offset: id } } });
    },
    /** A crash: nothing more is flushed or committed. */
    crash() {
      sink.close();
      store.close();
    },
  };
}

test('single file: what PATH held before the first commit is kept; uncommitted writes are cut off at restart', () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-fs-'));
  const path = join(root, 'out.ndjson');
  writeFileSync(path, 'old\n');
  let s = open(root, path);
  s.sink.data({ n: 0 }, undefined);
  s.sink.control({ type: 'eos' }); // written durably, not committed
  s.crash();
  assert.equal(readFileSync(path, 'utf8'), 'old\n{"n":0}\n');
  s = open(root, path);
  assert.equal(readFileSync(path, 'utf8'), 'old\n', 'cut back to the origin');
  s.batch(0, [1, 2]);
  s.sink.data({ n: 3 }, undefined);
  s.crash();
  appendFileSync(path, '{"torn":');
  s = open(root, path);
  assert.equal(readFileSync(path, 'utf8'), 'old\n{"n":1}\n{"n":2}\n');
  s.batch(1, [3]);
  s.crash();
  writeFileSync(path, 'x\n');
  assert.throws(() => open(root, path), /fewer than the \d+ committed: it was changed outside sluice/);
});

test('--roll-bytes: parts roll at the size, later parts and the uncommitted end are removed at restart', () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-fs-'));
  const path = join(root, 'out');
  let s = open(root, path, 'bytes', 24);
  s.batch(0, [1, 2, 3]); // 8 bytes each: one part of 24
  s.batch(1, [4, 5]);
  s.batch(2, [6, 7, 8, 9]);
  const committed = readdirSync(path).sort();
  s.sink.data({ n: 10 }, undefined);
  s.sink.data({ n: 11 }, undefined);
  s.sink.data({ n: 12 }, undefined);
  s.sink.data({ n: 13 }, undefined);
  s.sink.control({ type: 'eos' });
  s.crash();
  s = open(root, path, 'bytes', 24);
  assert.deepEqual(readdirSync(path).sort(), committed);
  const all = committed.map((f) => readFileSync(join(path, f), 'utf8')).join('');
  assert.equal(all, [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `{"n":${n}}\n`).join(''));
  assert.ok(committed.every((f) => readFileSync(join(path, f)).length <= 24));
  s.crash();
  assert.throws(() => open(root, path, 'batch'), /written with --roll-bytes at the last commit, now with --roll batch/);
});

test('--roll batch: one whole part per batch; a tail after the last batch is removed at restart', () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-fs-'));
  const path = join(root, 'out');
  let s = open(root, path, 'batch');
  s.batch(0, [1]);
  s.batch(1, []);
  s.batch(2, [2, 3]);
  s.sink.data({ n: 4 }, undefined);
  s.sink.control({ type: 'eos' });
  assert.deepEqual(readdirSync(path).sort(), ['part-0000000000.ndjson', 'part-0000000002.ndjson', 'tail.ndjson']);
  s.sink.data({ n: 5 }, undefined);
  s.crash();
  s = open(root, path, 'batch');
  assert.deepEqual(readdirSync(path).sort(), ['part-0000000000.ndjson', 'part-0000000002.ndjson']);
  s.crash();
});
