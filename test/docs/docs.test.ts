import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { expectedDocs } from '../../src/tools/gen-docs.js';
import { commands } from '../../src/commands/index.js';
import { repoRoot, sh } from '../helpers/run.js';

test('man pages and the README reference are generated from the option declarations (run npm run docs when this fails)', () => {
  for (const [path, text] of expectedDocs(repoRoot)) {
    const name = relative(repoRoot, path);
    assert.ok(existsSync(path), `${name} is missing: run npm run docs`);
    assert.equal(readFileSync(path, 'utf8'), text, `${name} is stale: run npm run docs`);
  }
});

test('every command declares each option once', () => {
  for (const c of commands) {
    const names = c.options.map((o) => o.name);
    assert.deepEqual(names, [...new Set(names)], `${c.name} declares an option twice`);
    assert.ok(c.examples.length > 0, `${c.name} has no example`);
  }
});

test('sluice --help lists every command', async () => {
  const r = await sh('sluice --help');
  assert.equal(r.code, 0);
  for (const c of commands) assert.match(r.stdout, new RegExp(`sluice ${c.name}\\b`));
});

test('sluice <command> --help shows its options and a runnable example', async () => {
  for (const c of commands) {
    const r = await sh(`sluice ${c.name} --help`);
    assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
    for (const o of c.options) assert.ok(r.stdout.includes(`--${o.name}`), `${c.name} --help lacks --${o.name}`);
    assert.ok(r.stdout.includes(c.examples[0]!.cmd.slice(0, 20)), `${c.name} --help lacks its example`);
  }
});

test('man renders the generated pages', async (t) => {
  const man = await sh('command -v man');
  if (man.code !== 0) {
    // man is not installed everywhere; the roff is still checked with groff when present.
    t.diagnostic('man(1) not installed: checked the roff header only');
    for (const c of commands) assert.match(readFileSync(`${repoRoot}/man/sluice-${c.name}.1`, 'utf8'), /^\.TH SLUICE/);
    return;
  }
  const r = await sh(`MANWIDTH=100 man -l ${repoRoot}/man/sluice-reduce-by-key.1 | cat`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--count/);
});

test('a wrong flag suggests the right one; usage errors exit 2', async () => {
  const r = await sh(`echo '{}' | sluice reduce-by-key value --cont`);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /did you mean --count\?/);
  const missing = await sh(`echo '{}' | sluice reduce-by-key value`);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /at least one aggregate/);
  const syntax = await sh(`echo '{}' | sluice map 'r.a +* 2'`);
  assert.equal(syntax.code, 2);
  assert.match(syntax.stderr, /syntax error in 'r\.a \+\* 2'/);
});
