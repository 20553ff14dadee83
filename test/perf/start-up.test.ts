// What every stage pays before its first record (issue 12: a pipe of four
// stages pays it four times). These tests check the work, not the time: a
// machine shared with other jobs makes CPU times too noisy to assert on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot, sh, tempDir } from '../helpers/run.js';

/** A preload that records every directory the process lists, written to $SLUICE_TEST_DIR_LOG at exit. */
const LIST_HOOK = `
const fs = require('node:fs');
const listed = [];
for (const name of ['readdirSync', 'readdir', 'opendirSync', 'opendir']) {
  const original = fs[name];
  fs[name] = function (dir, ...rest) { listed.push(String(dir)); return original.call(this, dir, ...rest); };
}
process.on('exit', () => fs.writeFileSync(process.env.SLUICE_TEST_DIR_LOG, JSON.stringify(listed)));
`;

test('a stage started in a crowded directory without a package.json lists no directory outside its install', async () => {
  const dir = tempDir('sluice-startup-');
  const hook = join(dir, 'list-hook.cjs');
  writeFileSync(hook, LIST_HOOK);
  // yargs looked for the program's package.json by reading every directory from here up (13 ms in a /tmp of 18,000 entries).
  const cwd = join(dir, 'crowded', 'deeper');
  mkdirSync(cwd, { recursive: true });
  for (let i = 0; i < 200; i++) writeFileSync(join(cwd, `f${i}`), '');
  for (const command of [`sluice sink`, `sluice filter 'r.a > 0'`, `sluice run 'filter "r.a > 0" | sink'`, `sluice --version`]) {
    const log = join(dir, 'listed.json');
    const r = await sh(command, { cwd, input: '{"a":1}\n', env: { NODE_OPTIONS: `--require ${hook}`, SLUICE_TEST_DIR_LOG: log } });
    assert.equal(r.code, 0, r.stderr);
    const listed = JSON.parse(readFileSync(log, 'utf8')) as string[];
    const outside = listed.filter((d) => relative(repoRoot, d).startsWith('..'));
    assert.deepEqual(outside, [], `${command} listed ${outside.join(', ')}`);
  }
});

/** A preload that writes the built-in modules each process loaded to $SLUICE_TEST_MODULE_LOGS/<pid>.json at exit. */
const MODULE_HOOK = `
process.on('exit', () => require('node:fs').writeFileSync(process.env.SLUICE_TEST_MODULE_LOGS + '/' + process.pid + '.json', JSON.stringify(process.moduleLoadList)));
`;

test('stages load the built-in modules of other commands only when they use them (src/engine/lazy-builtin.ts)', async () => {
  const dir = tempDir('sluice-startup-');
  const hook = join(dir, 'module-hook.cjs');
  writeFileSync(hook, MODULE_HOOK);
  let run = 0;
  /** The built-in modules each process of `command` loaded. */
  const loaded = async (command: string): Promise<string[][]> => {
    const logs = join(dir, `run${run++}`);
    mkdirSync(logs);
    const r = await sh(command, { input: '{"a":1,"ts":"2026-01-01T00:00:00Z"}\n', env: { NODE_OPTIONS: `--require ${hook}`, SLUICE_TEST_MODULE_LOGS: logs } });
    assert.equal(r.code, 0, r.stderr);
    return readdirSync(logs).map((f) =>
      (JSON.parse(readFileSync(join(logs, f), 'utf8')) as string[]).filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)),
    );
  };
  const lazy = ['child_process', 'worker_threads', 'fs/promises'];
  for (const [command, stages] of [[`sluice filter 'r.a > 0'`, 1], [`sluice source file - --format json | sluice window 1m --time-field ts | sluice sink`, 3]] as const) {
    const processes = await loaded(command);
    assert.equal(processes.length, stages);
    for (const modules of processes) assert.deepEqual(lazy.filter((m) => modules.includes(m)), [], `${command}: a stage loaded them`);
  }
  // The commands that use them still get them.
  assert.ok((await loaded(`sluice sink exec -- cat`))[0]!.includes('child_process'));
});

test('yargs, bundled, still finds its translations: help follows LANG as before', async () => {
  const german = await sh(`sluice sink --help`, { env: { LANG: 'de_DE.UTF-8', LC_ALL: '', LC_MESSAGES: '' } });
  assert.equal(german.code, 0, german.stderr);
  assert.match(german.stdout, /^Optionen:$/m);
  const english = await sh(`sluice sink --help`, { env: { LANG: 'C', LC_ALL: '', LC_MESSAGES: '' } });
  assert.match(english.stdout, /^Options:$/m);
});
