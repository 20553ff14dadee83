import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commands } from '../../src/commands/index.js';
import { sourceKinds } from '../../src/connectors/sources/index.js';
import { sinkKinds } from '../../src/connectors/sinks/index.js';
import { sh, tempDir } from '../helpers/run.js';
import { TmuxPane, shellQuote } from '../helpers/tmux.js';
import { testNeeding } from '../helpers/tools.js';

const dir = tempDir('sluice-completion-');

async function script(shell: 'bash' | 'zsh'): Promise<string> {
  const r = await sh(`sluice completion ${shell}`);
  assert.equal(r.code, 0, r.stderr);
  const path = join(dir, `sluice.${shell}`);
  writeFileSync(path, r.stdout);
  return path;
}

/** What the bash completion function offers for a command line; the cursor is on the last word. */
async function bashComplete(path: string, ...line: string[]): Promise<string[]> {
  const wordsArray = line.map(shellQuote).join(' ');
  const r = await sh(
    `bash --norc -c 'source "$0"; COMP_WORDS=(${wordsArray.replace(/'/g, `'\\''`)}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _sluice_complete; printf "%s\\n" "\${COMPREPLY[@]}"' ${shellQuote(path)}`,
  );
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((w) => w !== '');
}

test('bash: completes command names, options of a command and their choices', async () => {
  const path = await script('bash');
  assert.deepEqual(await bashComplete(path, 'sluice', ''), [...commands.map((c) => c.name), 'help', '--help', '--version']);
  assert.deepEqual(await bashComplete(path, 'sluice', 're'), ['reduce-by-key']);
  assert.deepEqual(await bashComplete(path, 'sluice', 'source', '--format', ''), ['text', 'json', 'csv']);
  assert.deepEqual(await bashComplete(path, 'sluice', 'source', '--format', 'c'), ['csv']);
  // --format=c, split at = by readline
  assert.deepEqual(await bashComplete(path, 'sluice', 'source', '--format', '=', 'c'), ['csv']);
  assert.deepEqual(await bashComplete(path, 'sluice', 'completion', ''), ['bash', 'zsh']);
  const countish = await bashComplete(path, 'sluice', 'reduce-by-key', 'value', '--co');
  assert.deepEqual(countish, ['--count', '--collect']);
});

test('bash: every declared option and kind completes', async () => {
  const path = await script('bash');
  for (const c of commands) {
    const offered = await bashComplete(path, 'sluice', c.name, '--');
    for (const o of c.options) assert.ok(offered.includes(`--${o.name}`), `sluice ${c.name} --<TAB> lacks --${o.name}`);
    assert.ok(offered.includes('--help'));
  }
  assert.deepEqual(await bashComplete(path, 'sluice', 'source', ''), sourceKinds.map((k) => k.name));
  assert.deepEqual(await bashComplete(path, 'sluice', 'sink', ''), sinkKinds.map((k) => k.name));
});

test('bash: positionals are counted past options and their values', async () => {
  const path = await script('bash');
  // The kind is the first positional even after an option with a value.
  assert.deepEqual(await bashComplete(path, 'sluice', 'source', '--format', 'json', 'so'), ['socket']);
  // The second positional (a path) has no fixed choices: left to file name completion.
  assert.deepEqual(await bashComplete(path, 'sluice', 'source', 'file', ''), []);
  // A free-form option value is left to file name completion too.
  assert.deepEqual(await bashComplete(path, 'sluice', 'source', '--batch', ''), []);
  // After --, the words belong to another program.
  assert.deepEqual(await bashComplete(path, 'sluice', 'sink', '--', '--f'), []);
});

testNeeding(['zsh', 'tmux'], 'zsh: the script parses and completes in a real zsh', {}, async () => {
  const path = await script('zsh');
  const syntax = await sh(`zsh -n ${shellQuote(path)}`);
  assert.equal(syntax.code, 0, `zsh -n: ${syntax.stderr}`);
  const home = tempDir('sluice-zsh-');
  const pane = TmuxPane.start(`HOME=${shellQuote(home)} ZDOTDIR=${shellQuote(home)} PS1='zsh> ' exec zsh -f`, { width: 140, height: 20 });
  try {
    await pane.waitFor((s) => s.includes('zsh>'), 10_000, 'the zsh prompt');
    pane.type(`autoload -U compinit; compinit -u -d ${home}/.zcompdump; source ${path}; clear`, 'Enter');
    await pane.waitFor((s) => s.trim() === 'zsh>', 10_000, 'a cleared screen');
    pane.type('sluice source --format ', 'Tab');
    const menu = await pane.waitFor((s) => /csv\s+json\s+text/.test(s), 10_000, 'the --format choices');
    assert.match(menu, /csv\s+json\s+text/);
    pane.type('', 'C-u');
    pane.type('sluice reduce-b', 'Tab');
    await pane.waitFor((s) => s.includes('zsh> sluice reduce-by-key'), 10_000, 'the command name completed');
    pane.type('', 'C-u');
    pane.type('sluice sink --char', 'Tab');
    await pane.waitFor((s) => s.includes('zsh> sluice sink --chart'), 10_000, 'the option completed');
  } finally {
    pane.close();
  }
});

test('completion rejects an unknown shell with a usage error', async () => {
  const r = await sh('sluice completion fish');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /fish/);
});
