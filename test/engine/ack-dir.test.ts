// Acknowledgement directories (issue 14.2): private, locked for their source,
// and those of killed sources are removed by the next source that starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createAckDir, removeAckDir, removeDeadAckDirs } from '../../src/engine/ack/ack-dir.js';
import { tempDir } from '../helpers/run.js';

/** A directory as a source would leave it, its LOCK naming `pid`. */
function leftBehind(parent: string, name: string, pid: number): string {
  const dir = join(parent, name);
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid, host: hostname(), since: new Date().toISOString() }) + '\n');
  return dir;
}

test('a new acknowledgement directory is private and locked by its source', () => {
  const dir = createAckDir();
  try {
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.match(dir, /sluice-ack-[A-Za-z0-9]{6}$/);
    assert.ok(existsSync(join(dir, 'LOCK')));
  } finally {
    removeAckDir(dir);
  }
});

test("the directories of dead sources are removed; a live source's, an unlocked one and other names stay", () => {
  const parent = tempDir();
  const dead = leftBehind(parent, 'sluice-ack-dead01', 2 ** 22 + 12345); // beyond Linux's largest pid: no such process
  const live = leftBehind(parent, 'sluice-ack-live01', process.pid);
  const unlocked = join(parent, 'sluice-ack-fresh1');
  mkdirSync(unlocked, { mode: 0o700 });
  const other = leftBehind(parent, 'not-an-ack-dir', 2 ** 22 + 12345);
  removeDeadAckDirs(parent);
  assert.equal(existsSync(dead), false);
  assert.equal(existsSync(live), true);
  assert.equal(existsSync(unlocked), true);
  assert.equal(existsSync(other), true);
});
