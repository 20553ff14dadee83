import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commands } from '../../src/commands/index.js';
import { exampleLines } from '../../src/spec.js';
import { repoRoot, sh } from '../helpers/run.js';

// Issue 13.13: --help examples name files that ship (docs/samples/) and never wrap mid-command.
test('every example that is not live runs as printed, from the repository root, exit 0 and nothing on stderr', { timeout: 120_000 }, async () => {
  const examples = commands.flatMap((c) => c.examples.filter((e) => !e.live).map((e) => ({ c, e })));
  assert.ok(examples.length >= 15, `only ${examples.length} runnable examples`);
  const failures: string[] = [];
  await Promise.all(
    examples.map(async ({ c, e }) => {
      // The lines exactly as --help prints them: pasting them must work.
      const r = await sh(`${exampleLines(e.cmd).join('\n')} > /dev/null`, { cwd: repoRoot, timeoutMs: 60_000 });
      if (r.code !== 0 || r.stderr !== '') failures.push(`sluice ${c.name}: ${e.cmd}\n  [exit ${r.code}] ${r.stderr}`);
    }),
  );
  assert.deepEqual(failures, []);
});

test('--help prints every example on lines shorter than the help width', async () => {
  for (const c of commands) {
    const help = await sh(`COLUMNS=100 sluice ${c.name} --help`);
    for (const e of c.examples) {
      const lines = exampleLines(e.cmd);
      for (const line of lines) assert.ok(line.length <= 96, `${c.name}: example line of ${line.length} characters: ${line}`);
      assert.ok(help.stdout.includes(lines.map((l) => `  ${l}`).join('\n')), `${c.name} --help does not show ${e.cmd} as ${JSON.stringify(lines)}`);
    }
  }
});
