import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../../src/engine/checkpoint/atomic-write.js';
import { latestCommit, latestCommittedBatch, writeCommit, KEEP_COMMITS } from '../../src/engine/checkpoint/commit-log.js';
import { decodeEnvelope, encodeEnvelope } from '../../src/engine/checkpoint/envelope.js';
import { CheckpointRole } from '../../src/engine/checkpoint/store.js';

const temp = () => mkdtempSync(join(tmpdir(), 'sluice-cp-'));

test('envelope: round trip, and every kind of damage is named', () => {
  const text = encodeEnvelope('window', 'state', { batch: 3, state: { a: [1, 2], s: 'é\u2028' } });
  assert.deepEqual(decodeEnvelope(text, 'window', 'state'), { batch: 3, state: { a: [1, 2], s: 'é\u2028' } });
  assert.throws(() => decodeEnvelope(text.slice(0, text.length - 9), 'window', 'state'), /corrupt checkpoint: not valid JSON/);
  assert.throws(() => decodeEnvelope('', 'window', 'state'), /empty file/);
  assert.throws(() => decodeEnvelope('{"offsets":{"0":12}}', 'window', 'state'), /not a sluice checkpoint file/);
  assert.throws(() => decodeEnvelope(text.replace('"v":1', '"v":7'), 'window', 'state'), /version 7/);
  assert.throws(() => decodeEnvelope(text.replace('"batch":3', '"batch":4'), 'window', 'state'), /checksum mismatch/);
  assert.throws(() => decodeEnvelope(text, 'reduce-by-key', 'state'), /belongs to stage 'window'/);
  assert.throws(() => decodeEnvelope(text, 'window', 'commit'), /'state' file where a 'commit' file/);
});

test('atomic write replaces the file and leaves no temp file behind', () => {
  const dir = temp();
  const path = join(dir, 'f.json');
  writeFileAtomic(path, 'one');
  writeFileAtomic(path, 'two');
  assert.equal(readFileSync(path, 'utf8'), 'two');
  assert.deepEqual(readdirSync(dir), ['f.json']);
});

test('a role directory is locked: a second open in the same process is refused, close releases it', () => {
  const root = temp();
  const a = CheckpointRole.open(root, 'sink');
  assert.throws(() => CheckpointRole.open(root, 'sink'), /in use by process \d+/);
  const other = CheckpointRole.open(root, 'window');
  a.close();
  CheckpointRole.open(root, 'sink').close();
  other.close();
  assert.throws(() => CheckpointRole.open(root, '../escape'), /checkpoint name/);
});

test('a lock held by another live process is refused; a lock of a dead process is taken over', async () => {
  const root = temp();
  const role = CheckpointRole.open(root, 'source');
  role.close();
  const lock = join(root, 'source', 'LOCK');
  const owner = (pid: number) => JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00Z' });
  // A dead pid: a process that has exited.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(lock, owner(Number(dead.stdout)));
  CheckpointRole.open(root, 'source').close();
  // A live node process.
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(lock, owner(live.pid!));
    assert.throws(() => CheckpointRole.open(root, 'source'), new RegExp(`in use by process ${live.pid}`));
  } finally {
    live.kill('SIGKILL');
  }
  // A half-written lock (its owner died while creating it) is stale too.
  writeFileSync(lock, '{"pi');
  CheckpointRole.open(root, 'source').close();
});

test('commit log: latest commit, pruning, corruption, several sinks', () => {
  const root = temp();
  const sink = CheckpointRole.open(root, 'sink');
  assert.equal(latestCommit(root), undefined);
  for (let b = 0; b < 12; b++) writeCommit(sink, { batch: b, positions: { f: { offset: b * 10 } }, committedAt: 'now' });
  assert.equal(latestCommittedBatch(root), 11);
  assert.deepEqual(latestCommit(root)?.positions, { f: { offset: 110 } });
  assert.equal(sink.numbers('commit').length, KEEP_COMMITS);
  // A commit file cut short (e.g. copied while written) is an error, never a fresh start.
  const last = join(root, 'sink', 'commit-11.json');
  writeFileSync(last, readFileSync(last, 'utf8').slice(0, 40));
  assert.throws(() => latestCommit(root), /commit-11\.json: corrupt checkpoint/);
  const other = CheckpointRole.open(root, 'sink2');
  writeCommit(other, { batch: 0, committedAt: 'now' });
  assert.throws(() => latestCommittedBatch(root), /several sinks \(sink, sink2\)/);
  sink.close();
  other.close();
});
