import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commands } from '../../src/commands/index.js';
import { sourceKinds } from '../../src/connectors/sources/index.js';
import { repoRoot, sh } from '../helpers/run.js';

const GOLDEN = join(repoRoot, 'test', 'ui', 'usage-errors.golden');

/** Lists that grow as commands and kinds are added are placeholders in the golden file. */
function placeholders(text: string): string {
  return text.replace(`(commands: ${commands.map((c) => c.name).join(', ')})`, '(commands: COMMANDS)').replace(`(one of: ${sourceKinds.map((k) => k.name).join(', ')})`, '(one of: SOURCE_KINDS)');
}

async function transcript(commandLine: string): Promise<string> {
  const r = await sh(`${commandLine} < /dev/null`);
  return `$ ${commandLine}\n[exit ${r.code}]\n${placeholders(r.stdout + r.stderr)}`;
}

test('usage errors read as the golden file says (UPDATE_GOLDEN=1 rewrites it)', async () => {
  const blocks = readFileSync(GOLDEN, 'utf8').trimEnd().split('\n\n');
  const actual: string[] = [];
  for (const block of blocks) actual.push((await transcript(block.split('\n')[0]!.slice(2))).trimEnd());
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, actual.join('\n\n') + '\n');
  for (let i = 0; i < blocks.length; i++) assert.equal(actual[i], blocks[i]);
});

/** A typo of a flag name: two neighbouring letters swapped in the middle. */
function typo(name: string): string {
  const i = Math.floor(name.length / 2) - 1;
  return name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2);
}

test('a mistyped flag suggests the right one, for every option of every command', async () => {
  const cases = commands.flatMap((c) => c.options.filter((o) => o.name.length >= 4 && typo(o.name) !== o.name).map((o) => ({ c, o })));
  assert.ok(cases.length > 20);
  // One process per command: the first unknown flag is the one reported, so each run checks one option.
  const failures: string[] = [];
  await Promise.all(
    commands.map(async (c) => {
      for (const { o } of cases.filter((x) => x.c === c)) {
        const r = await sh(`sluice ${c.name} --${typo(o.name)} < /dev/null`);
        const expected = `sluice ${c.name}: unknown option --${typo(o.name)}; did you mean --${o.name}?`;
        if (r.code !== 2 || r.stderr.split('\n')[0] !== expected) failures.push(`${expected}\n   got [${r.code}] ${r.stderr.split('\n')[0]}`);
      }
    }),
  );
  assert.deepEqual(failures, []);
});
