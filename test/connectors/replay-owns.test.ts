import assert from 'node:assert/strict';
import { linkSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { sourceKinds } from '../../src/connectors/sources/index.js';
import { tempDir } from '../helpers/run.js';

// Which committed positions a replayable source takes as its own (SourceKind.replay.owns):
// a commit holding none of them makes `source --checkpoint` refuse to start.

const kind = (name: string) => {
  const k = sourceKinds.find((s) => s.name === name);
  assert.ok(k?.replay, `${name} is replayable`);
  return k.replay;
};

test('only file, dir and kafka sources are replayable', () => {
  assert.deepEqual(sourceKinds.filter((k) => k.replay).map((k) => k.name).sort(), ['dir', 'file', 'kafka']);
});

test('file: a position under any name of the file, or of its device and inode, is its own; another file\'s is not', () => {
  const dir = realpathSync(tempDir());
  const a = join(dir, 'a.txt');
  writeFileSync(a, 'x\n');
  writeFileSync(join(dir, 'b.txt'), 'y\n');
  const owns = (positions: Record<string, unknown>, targets: string[], follow = false) => kind('file').owns(positions, { _: [], follow }, targets);
  const statOf = (p: string) => {
    const st = statSync(p, { bigint: true });
    return { dev: String(st.dev), ino: String(st.ino), offset: 2 };
  };
  assert.equal(owns({ [a]: statOf(a) }, [a]), true);
  assert.equal(owns({ [a]: statOf(a) }, [join(dir, 'b.txt')]), false);
  assert.equal(owns({ [a]: statOf(a) }, [join(dir, 'b.txt'), a]), true, 'one of several inputs');
  symlinkSync(a, join(dir, 'link.txt'));
  assert.equal(owns({ [a]: statOf(a) }, [join(dir, 'link.txt')]), true, 'a symlink to it');
  linkSync(a, join(dir, 'hard.txt'));
  assert.equal(owns({ '/elsewhere/old.txt': statOf(a) }, [join(dir, 'hard.txt')]), true, 'same device and inode under another name');
  assert.equal(owns({ '/elsewhere/old.txt': { dev: '0', ino: '0', offset: 2 } }, [a]), false);
  assert.equal(owns({ [a]: statOf(a) }, [join(dir, 'missing.txt')]), false, 'a missing file owns nothing (its read reports it)');
  // Followed files are names: only the absolute path (or the path as written) counts.
  assert.equal(owns({ [resolve(a)]: { ino: 1, offset: 0 } }, [a], true), true);
  assert.equal(owns({ [join(dir, 'b.txt')]: { ino: 1, offset: 0 } }, [a], true), false);
});

test('dir: its absolute path', () => {
  const owns = (positions: Record<string, unknown>, target: string) => kind('dir').owns(positions, { _: [] }, [target]);
  assert.equal(owns({ [`dir:${resolve('in')}`]: { done: [] } }, 'in'), true);
  assert.equal(owns({ [`dir:${resolve('in')}`]: { done: [] } }, './in/'), true);
  assert.equal(owns({ [`dir:${resolve('in')}`]: { done: [] } }, 'moved'), false);
  assert.equal(owns({ [resolve('in')]: { offset: 0 } }, 'in'), false, "a file's position under the same path is not a directory's");
});

test('kafka: any partition of its topic, also a topic with colons in its name', () => {
  const owns = (positions: Record<string, unknown>, topic: string) => kind('kafka').owns(positions, { _: [], topic }, []);
  assert.equal(owns({ 'kafka:orders:0': 5 }, 'orders'), true);
  assert.equal(owns({ 'kafka:orders:7': 5, 'kafka:other:0': 1 }, 'orders'), true);
  assert.equal(owns({ 'kafka:orders:0': 5 }, 'other'), false);
  assert.equal(owns({ 'kafka:a:b:3': 5 }, 'a:b'), true);
  assert.equal(owns({ 'kafka:a:b:3': 5 }, 'a'), false);
  assert.equal(owns({ 'dir:/x': {} }, 'orders'), false);
});
